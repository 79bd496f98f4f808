// `npm run migrate`: apply ClickHouse and Postgres migrations, print what was applied, exit.
process.argv[2] = 'migrate';
await import('./main.ts');
