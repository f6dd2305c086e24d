// Mocha root hooks for every test file. Tests read DATABASE_URL / REDIS_URL
// when set (CI: real servers) and fall back to embedded PGlite otherwise.
process.env.NODE_ENV ??= 'test';
