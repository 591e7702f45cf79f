import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('config', () => {
  it('has safe defaults', () => {
    const c = loadConfig({});
    expect(c.port).toBe(3000);
    expect(c.dataDir).toBe(path.resolve('./data'));
    expect(c.databaseUrl).toBeUndefined();
    expect(c.publicUrl).toBe('http://localhost:3000');
  });

  it('reads the environment, and flags win over it', () => {
    const c = loadConfig({ PORT: '4100', KEEPWELL_DATA_DIR: '/tmp/x' }, { port: '4200' });
    expect(c.port).toBe(4200);
    expect(c.dataDir).toBe('/tmp/x');
  });

  it('names the bad setting in its error', () => {
    expect(() => loadConfig({ PORT: 'abc' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: '99999' })).toThrow(/PORT/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL.*postgres/);
    expect(() => loadConfig({}, { port: 'x' })).toThrow(/--port/);
  });

  it('trusts X-Forwarded-For only from the proxies named in KEEPWELL_TRUST_PROXY', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ KEEPWELL_TRUST_PROXY: 'off' }).trustProxy).toBe(false);
    expect(loadConfig({ KEEPWELL_TRUST_PROXY: 'on' }).trustProxy).toEqual(['loopback']);
    expect(loadConfig({ KEEPWELL_TRUST_PROXY: '10.0.0.5, 172.16.0.0/12,::1' }).trustProxy).toEqual(['10.0.0.5', '172.16.0.0/12', '::1']);
    // a hop count cannot tell a proxy from a client connecting directly
    expect(() => loadConfig({ KEEPWELL_TRUST_PROXY: '2' })).toThrow(/KEEPWELL_TRUST_PROXY.*addresses\/CIDR/);
    expect(() => loadConfig({ KEEPWELL_TRUST_PROXY: '10.0.0.0/33' })).toThrow(/KEEPWELL_TRUST_PROXY/);
    expect(() => loadConfig({ KEEPWELL_TRUST_PROXY: 'proxy.example.com' })).toThrow(/KEEPWELL_TRUST_PROXY/);
  });
});
