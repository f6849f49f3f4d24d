/**
 * Loads the archive's libraries ahead of time: parquet-wasm compiles ~5 MB of WebAssembly
 * synchronously on first import, which would stall the event loop (and with it the
 * service's requests) for a few hundred ms in the middle of a retention run. The
 * scheduler calls this at start-up instead.
 */
export async function preloadArchiveLibraries(): Promise<void> {
  await Promise.all([import('parquet-wasm/node'), import('@duckdb/node-api'), import('hyparquet')]);
}
