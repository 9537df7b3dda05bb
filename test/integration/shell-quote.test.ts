import { execFileSync, spawnSync } from 'node:child_process';
import { quoteShellArg } from '../../src/ssh/shell-quote.js';
import { remoteCommandLine } from '../../src/ssh/remote-command-line.js';

const NASTY = ['plain', 'two  spaces', `it's "q"`, '$(id) `id` $HOME', 'a;b&&c||d|e>f<g', '*?[x]~', 'new\nline', '', "'", '\\'];

test.each(['/bin/sh', '/bin/bash'])('quoted arguments come back literally from %s', (sh) => {
  const out = execFileSync(sh, ['-c', `printf '[%s]\\n' ${NASTY.map(quoteShellArg).join(' ')}`], { encoding: 'utf8' });
  expect(out).toBe(NASTY.map((a) => `[${a}]\n`).join(''));
});

test.each(['/bin/sh', '/bin/bash'])('the remote command line runs in %s: marker with its pid on stderr, env set, stdin at EOF', (sh) => {
  const line = remoteCommandLine(['sh', '-c', 'printf "%s|%s|" "$1" "$X"; cat; echo "pid=$$" >&2', 'sh', 'a b'], { X: "v'1 $(id)" }, 'PATROL_PID_abc');
  // stdin is a pipe with data here: the command line itself must give the command EOF.
  const res = spawnSync(sh, ['-c', line], { encoding: 'utf8', input: 'must not be read' });
  const [marker, pidLine] = res.stderr.trim().split('\n');
  expect(marker).toMatch(/^PATROL_PID_abc=\d+$/);
  expect(res.stdout).toBe("a b|v'1 $(id)|");
  // exec keeps the pid: the command runs as the process that printed the marker.
  expect(pidLine).toBe(`pid=${marker!.split('=')[1]}`);
});
