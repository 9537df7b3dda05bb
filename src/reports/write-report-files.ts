import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ReportFormat } from '../config/patrol-config.js';
import type { ReportModel } from './report-model.js';
import { renderReport, type RenderOptions } from './render-report.js';
import { reportRelativePath } from './report-links.js';

/**
 * Writes the report in each format to DIR/INSPECTION/RUN_ID.EXT (through a temporary file and a
 * rename, so a reader never sees half a report). Returns the paths by format.
 */
export async function writeReportFiles(m: ReportModel, dir: string, formats: readonly ReportFormat[], opts: RenderOptions = {}): Promise<Partial<Record<ReportFormat, string>>> {
  const out: Partial<Record<ReportFormat, string>> = {};
  for (const format of new Set(formats)) {
    const file = join(dir, reportRelativePath(m.inspection, m.run.id, format));
    await mkdir(dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, renderReport(m, format, opts), 'utf8');
    await rename(tmp, file);
    out[format] = file;
  }
  return out;
}
