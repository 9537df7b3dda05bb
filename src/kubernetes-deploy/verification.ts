import { z } from 'zod';
import { durationSchema } from '../workflow/workflow-schema.js';

/** The checks of a verification, as the Application's verify trait and the k8s-verify step take them. */
export const httpCheckSchema = z.object({ url: z.url(), expectStatus: z.array(z.number().int()).default([200]), timeout: durationSchema.default('10s') }).strict();
export const prometheusCheckSchema = z
  .object({ url: z.url(), query: z.string().min(1), min: z.number().optional(), max: z.number().optional() })
  .strict()
  .refine((p) => p.min !== undefined || p.max !== undefined, { message: 'give min or max', path: ['min'] });

/** A post-deploy check: an HTTP status, or a Prometheus query's value within bounds. */
export interface VerificationSpec {
  http?: { url: string; expectStatus: number[]; timeoutMs: number };
  prometheus?: { url: string; query: string; min?: number; max?: number };
}

export interface VerificationResult {
  passed: boolean;
  /** "GET http://web/healthz -> 503 (expected 200)", "up{job=\"web\"} = 0 (min 1)". */
  observed: string;
}

/** Runs the checks once; network errors count as a failed check, with the error as what was observed. */
export async function verifyOnce(spec: VerificationSpec, signal: AbortSignal): Promise<VerificationResult> {
  if (spec.http) {
    const { url, expectStatus, timeoutMs } = spec.http;
    try {
      const res = await fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]), redirect: 'manual' });
      await res.body?.cancel();
      const passed = expectStatus.includes(res.status);
      if (!passed) return { passed, observed: `GET ${url} -> ${res.status} (expected ${expectStatus.join(' or ')})` };
    } catch (err) {
      return { passed: false, observed: `GET ${url} failed: ${(err as Error).message}` };
    }
  }
  if (spec.prometheus) return prometheusCheck(spec.prometheus, signal);
  return { passed: true, observed: spec.http ? `GET ${spec.http.url} as expected` : 'no checks' };
}

async function prometheusCheck(p: NonNullable<VerificationSpec['prometheus']>, signal: AbortSignal): Promise<VerificationResult> {
  const url = new URL('/api/v1/query', p.url);
  url.searchParams.set('query', p.query);
  let body: { status?: string; error?: string; data?: { resultType?: string; result?: { value?: [number, string] }[] | [number, string] } };
  try {
    const res = await fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(10_000)]) });
    body = (await res.json()) as typeof body;
  } catch (err) {
    return { passed: false, observed: `Prometheus query at ${p.url} failed: ${(err as Error).message}` };
  }
  if (body.status !== 'success') return { passed: false, observed: `Prometheus query ${p.query} failed: ${body.error ?? 'status ' + String(body.status)}` };
  // An instant vector's first sample, or a scalar: the value the bounds apply to.
  const r = body.data?.result;
  const raw = body.data?.resultType === 'scalar' ? (r as [number, string])[1] : (r as { value?: [number, string] }[] | undefined)?.[0]?.value?.[1];
  if (raw === undefined) return { passed: false, observed: `${p.query} returned no samples` };
  const v = Number(raw);
  const bounds = [p.min !== undefined ? `min ${p.min}` : '', p.max !== undefined ? `max ${p.max}` : ''].filter(Boolean).join(', ');
  const passed = Number.isFinite(v) && (p.min === undefined || v >= p.min) && (p.max === undefined || v <= p.max);
  return { passed, observed: `${p.query} = ${raw} (${bounds})` };
}
