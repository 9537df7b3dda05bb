import { isSecretHeader, loggableHeaders, MAX_HEADER_VALUE_CHARS, outputHeaders } from '../../src/http/response-headers.js';

test('output headers join repeated values and cut long ones', () => {
  const out = outputHeaders({ 'content-type': 'application/json', vary: ['accept', 'origin'] as unknown as string, 'x-long': 'a'.repeat(MAX_HEADER_VALUE_CHARS + 10) });
  expect(out['content-type']).toBe('application/json');
  expect(out.vary).toBe('accept, origin');
  expect(out['x-long']).toBe(`${'a'.repeat(MAX_HEADER_VALUE_CHARS)}… (10 more characters)`);
});

test('credential and session headers are redacted in outputs, whatever the server echoes', () => {
  const out = outputHeaders({ authorization: 'Bearer abc', 'set-cookie': ['sid=1', 'x=2'], 'x-auth-token': 't', 'x-request-id': 'r-1' });
  expect(out).toEqual({ authorization: '[redacted]', 'set-cookie': '[redacted]', 'x-auth-token': '[redacted]', 'x-request-id': 'r-1' });
});

test('secret header names are recognised case-insensitively; ordinary ones are not', () => {
  expect(['Authorization', 'Proxy-Authorization', 'Cookie', 'X-Api-Key', 'apikey', 'X-Vault-Token', 'X-Client-Secret'].filter(isSecretHeader)).toHaveLength(7);
  expect(['Content-Type', 'Accept', 'User-Agent', 'X-Request-Id', 'Keep-Alive'].filter(isSecretHeader)).toEqual([]);
});

test('request headers are logged with secret values replaced', () => {
  expect(loggableHeaders({ 'content-type': 'application/json', authorization: 'Basic xyz', 'X-Api-Key': 'k-123' })).toEqual({ 'content-type': 'application/json', authorization: '[redacted]', 'X-Api-Key': '[redacted]' });
});
