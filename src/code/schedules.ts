import type { CodeModel } from './model.js';
import { callNames } from './semantics.js';
import type { MethodSummary, Value } from './values.js';

/**
 * The timing a method gives the work it schedules, with its unit: WorkManager periodic requests,
 * initial delays and backoff, JobScheduler periods, latencies and backoff, alarms, scheduled executors,
 * timers and delayed handler messages. A value passed with a `TimeUnit` (or built by `Duration.ofX`) is
 * converted to milliseconds; the others are milliseconds already.
 */

export type TimingKind = 'interval' | 'delay' | 'backoff';

export interface Timing {
  /** `PeriodicWorkRequest$Builder.<init>`. */
  api: string;
  kind: TimingKind;
  value: number;
  unit: string;
  ms: number;
}

interface TimingSpec {
  kind: TimingKind;
  /** Argument (0 = receiver of an instance call) with the amount. */
  arg: number;
  /** Argument with its TimeUnit, when the API takes one. */
  unit?: number;
}

const T = (kind: TimingKind, arg: number, unit?: number): TimingSpec =>
  unit === undefined ? { kind, arg } : { kind, arg, unit };
const WORK_BUILDERS = ['WorkRequest', 'PeriodicWorkRequest', 'OneTimeWorkRequest'];

const TIMING_APIS: Record<string, TimingSpec> = {
  'Landroidx/work/PeriodicWorkRequest$Builder;-><init>': T('interval', 2, 3),
  ...Object.fromEntries(
    WORK_BUILDERS.flatMap((b) => [
      [`Landroidx/work/${b}$Builder;->setInitialDelay`, T('delay', 1, 2)],
      [`Landroidx/work/${b}$Builder;->setBackoffCriteria`, T('backoff', 2, 3)],
    ]),
  ),
  'Landroid/app/job/JobInfo$Builder;->setPeriodic': T('interval', 1),
  'Landroid/app/job/JobInfo$Builder;->setMinimumLatency': T('delay', 1),
  'Landroid/app/job/JobInfo$Builder;->setBackoffCriteria': T('backoff', 1),
  'Landroid/app/AlarmManager;->setRepeating': T('interval', 3),
  'Landroid/app/AlarmManager;->setInexactRepeating': T('interval', 3),
  // One-shot alarms: the amount is when the alarm fires (a time, usually a clock reading plus a delay), not
  // a period; reported as a delay.
  'Landroid/app/AlarmManager;->set': T('delay', 2),
  'Landroid/app/AlarmManager;->setExact': T('delay', 2),
  'Ljava/util/concurrent/ScheduledExecutorService;->scheduleAtFixedRate': T('interval', 3, 4),
  'Ljava/util/concurrent/ScheduledExecutorService;->scheduleWithFixedDelay': T('interval', 3, 4),
  'Ljava/util/concurrent/ScheduledExecutorService;->schedule': T('delay', 2, 3),
  'Ljava/util/Timer;->scheduleAtFixedRate': T('interval', 3),
  'Ljava/util/Timer;->schedule': T('delay', 2),
  'Landroid/os/Handler;->postDelayed': T('delay', 2),
  'Landroid/os/Handler;->sendEmptyMessageDelayed': T('delay', 2),
  'Landroid/os/Handler;->sendMessageDelayed': T('delay', 2),
};

const UNIT_MS: Record<string, number> = {
  NANOSECONDS: 1e-6,
  MICROSECONDS: 1e-3,
  MILLISECONDS: 1,
  SECONDS: 1000,
  MINUTES: 60_000,
  HOURS: 3_600_000,
  DAYS: 86_400_000,
};
const DURATION_OF: Record<string, string> = {
  ofMillis: 'MILLISECONDS',
  ofSeconds: 'SECONDS',
  ofMinutes: 'MINUTES',
  ofHours: 'HOURS',
  ofDays: 'DAYS',
};

/** Timings of the calls a method makes, in milliseconds with the amount and unit as written. */
export function timingsOf(model: CodeModel, s: MethodSummary): Timing[] {
  const out: Timing[] = [];
  for (const call of s.calls) {
    let spec: TimingSpec | undefined;
    let name = '';
    for (const n of callNames(model, call)) if ((spec = TIMING_APIS[(name = n)])) break;
    if (!spec) continue;
    const api = shortName(name);
    const amount = call.args[spec.arg];
    const duration = durationOf(s, amount);
    if (duration) {
      out.push({ api, kind: spec.kind, ...duration });
      continue;
    }
    if (amount?.k !== 'num' || amount.v <= 0) continue;
    const unit = spec.unit === undefined ? 'MILLISECONDS' : unitOf(call.args[spec.unit]);
    if (!unit) continue;
    out.push({ api, kind: spec.kind, value: amount.v, unit: unitLabel(unit), ms: amount.v * (UNIT_MS[unit] ?? 1) });
  }
  return out;
}

function unitOf(v: Value | undefined): string | null {
  if (v?.k !== 'field' || !v.field.startsWith('Ljava/util/concurrent/TimeUnit;->')) return null;
  const name = v.field.slice(v.field.indexOf('->') + 2, v.field.indexOf(':'));
  return name in UNIT_MS ? name : null;
}

/** `Duration.ofHours(6)` passed in place of an amount and a unit. */
function durationOf(s: MethodSummary, v: Value | undefined): { value: number; unit: string; ms: number } | null {
  if (v?.k !== 'ret') return null;
  const c = s.calls[v.site];
  if (!c?.callee.startsWith('Ljava/time/Duration;->')) return null;
  const unit = DURATION_OF[c.callee.slice(c.callee.indexOf('->') + 2)];
  const n = c.args[0];
  if (!unit || n?.k !== 'num') return null;
  return { value: n.v, unit: unitLabel(unit), ms: n.v * (UNIT_MS[unit] ?? 1) };
}

function unitLabel(unit: string): string {
  return unit === 'MILLISECONDS' ? 'ms' : unit.toLowerCase();
}

function shortName(api: string): string {
  const arrow = api.indexOf('->');
  return `${api.slice(api.lastIndexOf('/', arrow) + 1, arrow).replace(/;$/, '')}.${api.slice(arrow + 2)}`;
}
