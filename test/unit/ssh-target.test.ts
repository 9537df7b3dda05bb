import { parseTargetString, resolveTargets } from '../../src/ssh/ssh-target.js';
import { quoteShellArg } from '../../src/ssh/shell-quote.js';
import { displayCommand, parsePidMarker, remoteCommandLine } from '../../src/ssh/remote-command-line.js';

test('host strings: user, port, IPv6 in brackets, bare IPv6', () => {
  expect(parseTargetString('web-1')).toEqual({ host: 'web-1' });
  expect(parseTargetString('deploy@web-1:2222')).toEqual({ host: 'web-1', user: 'deploy', port: 2222 });
  expect(parseTargetString('10.0.0.1:22')).toEqual({ host: '10.0.0.1', port: 22 });
  expect(parseTargetString('root@[fe80::1]:2200')).toEqual({ host: 'fe80::1', user: 'root', port: 2200 });
  expect(parseTargetString('fe80::1')).toEqual({ host: 'fe80::1' });
});

test('bad host strings say what is wrong', () => {
  expect(parseTargetString('root@:22')).toBe('"root@:22": has no host name');
  expect(parseTargetString('web-1:70000')).toContain('a port is 1-65535');
  expect(parseTargetString('web 1')).toContain('is not a host name or address');
  expect(parseTargetString('-oProxyCommand=x')).toContain('is not a host name');
});

test('labels add the port off 22; a host listed twice is an input error naming both positions', () => {
  const targets = resolveTargets(['web-1', { host: 'web-2', port: 2222, user: 'app' }, '[fe80::1]:2200'], 22);
  expect(targets.map((t) => t.label)).toEqual(['web-1', 'web-2:2222', '[fe80::1]:2200']);
  expect(targets[1]).toEqual({ host: 'web-2', port: 2222, user: 'app', label: 'web-2:2222' });
  expect(resolveTargets(['web-1'], 2022)[0]!.label).toBe('web-1:2022');
  expect(() => resolveTargets(['web-1', 'root@web-1'], 22)).toThrow('with.hosts[1]: web-1 is already listed as hosts[0]');
});

test('quoting: safe words stay bare, everything else is single-quoted with embedded quotes spliced', () => {
  expect(quoteShellArg('df')).toBe('df');
  expect(quoteShellArg('/var/log/syslog')).toBe('/var/log/syslog');
  expect(quoteShellArg('')).toBe("''");
  expect(quoteShellArg('a b')).toBe("'a b'");
  expect(quoteShellArg("it's")).toBe("'it'\\''s'");
  expect(quoteShellArg('$(id);x')).toBe("'$(id);x'");
});

test('the remote command line: pid marker first, then exec of the quoted command with env and stdin from /dev/null', () => {
  expect(remoteCommandLine(['printf', '%s', 'a b'], { X: "v'1" }, 'PATROL_PID_abc')).toBe("echo PATROL_PID_abc=$$ >&2; exec env 'X=v'\\''1' printf %s 'a b' </dev/null");
  expect(remoteCommandLine(['uptime'], {}, 'PATROL_PID_abc')).toBe('echo PATROL_PID_abc=$$ >&2; exec uptime </dev/null');
  expect(parsePidMarker('PATROL_PID_abc=4242', 'PATROL_PID_abc')).toBe(4242);
  expect(parsePidMarker('PATROL_PID_other=4242', 'PATROL_PID_abc')).toBeUndefined();
  expect(parsePidMarker('PATROL_PID_abc=1', 'PATROL_PID_abc')).toBeUndefined();
  expect(displayCommand(['ls', '-l', 'my dir'], { X: 'secret-ish' })).toBe("ls -l 'my dir' (env: X)");
});
