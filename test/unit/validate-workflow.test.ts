import { builtinRegistry } from '../../src/steps/builtin/index.js';
import { patrolPaths } from '../../src/config/paths.js';
import { validateWorkflowText } from '../../src/workflow/validate-workflow.js';
import { formatIssue, type ValidationIssue } from '../../src/workflow/validation-issue.js';

const registry = builtinRegistry({ paths: patrolPaths({ PATROL_HOME: '/tmp/patrol-validate-test' }) });

function validate(text: string): ValidationIssue[] {
  return validateWorkflowText(text, registry, 'wf.yaml').issues;
}

const header = `apiVersion: patrol.dev/v1
kind: Workflow
metadata:
  name: demo
spec:
`;

function only(issues: ValidationIssue[], rule: string): ValidationIssue {
  const found = issues.filter((i) => i.rule === rule);
  expect(found.map(formatIssue)).toHaveLength(1);
  return found[0]!;
}

test('a valid workflow has no issues', () => {
  const issues = validate(`${header}  params:
    - { name: env, type: string, default: prod }
  steps:
    - name: a
      type: shell
      with: { command: [echo, "\${{ params.env }}"] }
    - name: b
      type: noop
      needs: [a]
      when: steps.a.outputs.exitCode == 0
      with: { value: "\${{ steps.a.outputs.stdout }}" }
  finally:
    - name: f
      type: noop
      with: { value: "\${{ run.status }} \${{ steps.b.status }}" }`);
  expect(issues).toEqual([]);
});

test('YAML syntax errors give file:line:column', () => {
  const i = only(validate(`${header}  steps:\n    - name: a\n      type: [noop\n`), 'yaml-syntax');
  expect(i.file).toBe('wf.yaml');
  expect(i.line).toBeGreaterThanOrEqual(8);
  expect(formatIssue(i)).toMatch(/^wf\.yaml:\d+:\d+: /);
});

test('schema errors name the JSON path, the rule and the position', () => {
  const issues = validate(`${header}  steps:
    - name: a
      type: noop
      timeout: soon
      nedds: [b]`);
  const timeout = issues.find((i) => i.path === 'spec.steps[0].timeout')!;
  expect(timeout.message).toContain('duration');
  expect([timeout.line, timeout.column]).toEqual([9, 16]);
  const unknown = issues.find((i) => i.path === 'spec.steps[0].nedds')!;
  expect(unknown.message).toBe('unknown field "nedds"');
  expect(unknown.line).toBe(10);
});

test('missing required fields say they are required', () => {
  const i = validate(`${header}  steps:\n    - type: noop\n`).find((x) => x.path === 'spec.steps[0].name')!;
  expect(i.message).toContain('required');
});

test('an unknown step type lists the known ones', () => {
  const i = only(validate(`${header}  steps:\n    - name: a\n      type: shel\n`), 'unknown-step-type');
  expect(i.message).toContain('unknown step type "shel"');
  expect(i.message).toContain('shell');
  expect(i.message).toContain('noop');
  expect(i.line).toBe(8);
});

test("each step's with is checked against its type's input schema", () => {
  const issues = validate(`${header}  steps:
    - name: a
      type: shell
      with: { command: "ls -l", cwdd: /tmp }`);
  expect(issues.find((i) => i.path === 'spec.steps[0].with.command')!.message).toContain('must be an array');
  expect(issues.find((i) => i.path === 'spec.steps[0].with.cwdd')!.message).toContain('unknown field');
});

test('a whole ${{ }} value is checked at run time, not rejected for its type now', () => {
  expect(
    validate(`${header}  params:
    - { name: cmd, type: list, default: [ls] }
  steps:
    - name: a
      type: shell
      with: { command: "\${{ params.cmd }}" }`),
  ).toEqual([]);
});

test('unknown needs and self needs are reported', () => {
  const issues = validate(`${header}  steps:
    - name: a
      type: noop
      needs: [b, a]`);
  expect(issues.find((i) => i.rule === 'unknown-need')!.message).toContain('unknown step "b"');
  expect(issues.find((i) => i.rule === 'self-dependency')!.path).toBe('spec.steps[0].needs[1]');
});

test('cycles are named', () => {
  const i = only(
    validate(`${header}  steps:
    - { name: a, type: noop, needs: [c] }
    - { name: b, type: noop, needs: [a] }
    - { name: c, type: noop, needs: [b] }`),
    'cycle',
  );
  expect(i.message).toMatch(/dependency cycle: (a -> c -> b -> a|a -> b -> c -> a|c -> b -> a -> c|b -> a -> c -> b)/);
});

test('references to steps that are not upstream are rejected', () => {
  const i = only(
    validate(`${header}  steps:
    - { name: a, type: noop }
    - name: b
      type: noop
      with: { value: "\${{ steps.a.outputs.value }}" }`),
    'not-upstream',
  );
  expect(i.message).toContain('add it to needs');
  expect(i.path).toBe('spec.steps[1].with.value');
});

test('undefined params, unknown names and unknown outputs are rejected', () => {
  const issues = validate(`${header}  params:
    - { name: env, type: string, default: prod }
  steps:
    - { name: a, type: shell, with: { command: [echo] } }
    - name: b
      type: noop
      needs: [a]
      when: params.enviroment == "prod" && secret == 1
      with: { value: "\${{ steps.a.outputs.exitcode }}" }`);
  expect(issues.find((i) => i.rule === 'undefined-param')!.message).toContain('undefined param "enviroment"; declared params: env');
  expect(issues.find((i) => i.rule === 'unknown-name')!.message).toContain('unknown name "secret"');
  // shell outputs are open-ended (KEY=VALUE lines), so only closed schemas are checked:
  expect(issues.find((i) => i.rule === 'unknown-output')).toBeUndefined();
  const noop = validate(`${header}  steps:
    - { name: a, type: sleep, with: { duration: 1s } }
    - { name: b, type: noop, needs: [a], with: { value: "\${{ steps.a.outputs.slept }}" } }`);
  expect(noop.find((i) => i.rule === 'unknown-output')!.message).toContain('has no output "slept"; outputs: sleptMs');
});

test('item only inside forEach, run.status only in finally', () => {
  const issues = validate(`${header}  steps:
    - { name: a, type: noop, with: { value: "\${{ item }}" } }
    - { name: b, type: noop, with: { value: "\${{ run.status }}" } }
    - { name: c, type: noop, forEach: [1, 2], with: { value: "\${{ item }} \${{ run.id }}" } }`);
  expect(issues.map((i) => i.path).sort()).toEqual(['spec.steps[0].with.value', 'spec.steps[1].with.value']);
});

test('expression syntax errors are reported with the expression', () => {
  const i = only(validate(`${header}  steps:\n    - { name: a, type: noop, when: "params.x ==" }\n`), 'expression-syntax');
  expect(i.message).toContain('params.x ==');
});

test('duplicate step names, bad param defaults, finally needs across phases', () => {
  const issues = validate(`${header}  params:
    - { name: n, type: number, default: "three" }
  steps:
    - { name: a, type: noop }
    - { name: a, type: noop }
  finally:
    - { name: f, type: noop, needs: [a] }`);
  expect(issues.map((i) => i.rule).sort()).toEqual(['duplicate-step', 'finally-need', 'param-default']);
  expect(issues.find((i) => i.rule === 'param-default')!.message).toContain('must be a number');
});
