import { chromium, type Browser } from 'playwright-core';
import { requireTool } from './system-tools.js';

/** Debian's Chromium, headless, driven by playwright-core (never downloads a browser). */
export async function launchChromium(): Promise<Browser> {
  const executablePath = requireTool('chromium', 'apt-get install -y chromium');
  return chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'] });
}
