// Runs one benchmark after the setup every benchmark shares (bin/run-bench.js). The setup is
// imported here rather than with `--import`, because worker threads inherit `--import` flags
// and cannot load a .ts file that way (the database and import workers register tsx themselves).
export {};

await import('./setup.js');
await import(process.argv[2]);
