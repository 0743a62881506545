"""The PostgreSQL harness itself: a cluster starts, gives fresh databases, and answers SQL."""


def test_a_fresh_database_is_empty_and_answers_sql(pg_cluster):
    db = pg_cluster.create_database()
    assert pg_cluster.psql("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", db=db) == [["0"]]
    pg_cluster.psql("CREATE TABLE t (a int); INSERT INTO t VALUES (1), (2)", db=db)
    assert pg_cluster.psql("SELECT sum(a) FROM t", db=db) == [["3"]]
