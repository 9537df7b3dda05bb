import { jest } from '@jest/globals';

// Integration tests start real servers, Ansible runs and CLIs: they get two minutes each.
jest.setTimeout(120_000);
