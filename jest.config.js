// Two projects: unit tests (no external processes, fast) and integration tests (real Ansible, sshd,
// databases, ...). `npm test` runs both; integration tests run serially because they share the
// machine's two cores and network namespaces.
const common = {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json', diagnostics: false }],
  },
};
export default {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.test.ts'], slowTestThreshold: 60, setupFilesAfterEnv: ['<rootDir>/test/support/integration-setup.ts'] },
  ],
};
