// DuckDB's side (@duckdb/node-api, pinned in package.json): load the CSV into a database file with
// CREATE TABLE ... AS SELECT * FROM read_csv(...) unless it exists, then run every question 1 + REPEAT times in-process.
// Writes JSON like orgpulse.py.      node duckdb_run.mjs CSV DB QUERIES.json REPEAT OUT.json
import { DuckDBInstance } from '@duckdb/node-api';
import fs from 'node:fs';

const [csv, dbPath, qfile, repeatArg, outPath] = process.argv.slice(2);
const REPEAT = Number(repeatArg);
const meta = dbPath + '.load.json';
const out = {};
if (!fs.existsSync(dbPath)) {
  const tmp = dbPath + '.tmp';
  fs.rmSync(tmp, { force: true });
  fs.rmSync(tmp + '.wal', { force: true });
  const inst = await DuckDBInstance.create(tmp);
  const con = await inst.connect();
  const t0 = performance.now();
  await con.run(`CREATE TABLE events AS SELECT * FROM read_csv('${csv}', header = false,
    columns = {'type': 'VARCHAR', 'ts': 'BIGINT', 'user_id': 'VARCHAR', 'org_id': 'VARCHAR',
               'inviter_user_id': 'VARCHAR'})`);
  await con.run('CHECKPOINT');
  const t1 = performance.now();
  con.closeSync();
  inst.closeSync();
  fs.renameSync(tmp, dbPath);
  fs.writeFileSync(meta, JSON.stringify({ load_s: (t1 - t0) / 1000, index_s: 0, bytes: fs.statSync(dbPath).size }));
}
out._load = JSON.parse(fs.readFileSync(meta, 'utf8'));
const inst = await DuckDBInstance.create(dbPath);
const con = await inst.connect();
for (const q of JSON.parse(fs.readFileSync(qfile, 'utf8'))) {
  const ms = [];
  let rows;
  for (let i = 0; i <= REPEAT; i++) {
    const t0 = performance.now();
    const reader = await con.runAndReadAll(q.sql);
    rows = reader.getRows();
    ms.push(performance.now() - t0);
  }
  const last = (r) => Number(r[r.length - 1]);
  const check = q.kind === 'report' ? (rows.length ? last(rows[0]) : 0) : rows.reduce((s, r) => s + last(r), 0);
  out[q.label] = { cold: ms[0], ms: ms.slice(1), check };
  const warm = ms.slice(1).sort((a, b) => a - b);
  console.error(`duckdb ${q.label}: ${warm[Math.floor(warm.length / 2)].toFixed(1)} ms check ${check}`);
}
fs.writeFileSync(outPath, JSON.stringify(out, null, 1));
con.closeSync();
inst.closeSync();
