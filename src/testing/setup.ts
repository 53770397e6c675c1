import { setDefaultTimeout } from 'bun:test';

// Integration tests start real databases, servers and workers; 5 s is too tight on a 2-core box.
setDefaultTimeout(60_000);
