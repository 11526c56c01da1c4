// Loaded with --import into the gateway process of the RSS test (node --expose-gc): a full GC every 200 ms,
// so that the process's peak RSS shows the memory it holds, not Buffers already freed but not yet collected
// (V8 collects external memory only after some tens of MB of it).
const gc = (globalThis as { gc?: () => void }).gc;
if (gc) setInterval(gc, 200).unref();
