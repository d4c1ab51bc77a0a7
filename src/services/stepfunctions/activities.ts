/**
 * Step Functions activities: the activity records (Create/Describe/List/DeleteActivity) and the
 * queue of scheduled activity tasks that workers take with GetActivityTask (a long poll). A task is
 * durable from the moment it is scheduled and is handed out at most once; a restart re-queues the
 * tasks no worker had taken.
 */
import type { Clock } from '../../platform/clock.js';
import { SelflessError } from '../../platform/errors.js';
import type { Store, Write } from '../../platform/store/port.js';
import {
  ACTIVITIES,
  ACTIVITY_TASKS,
  type ActivityRecord,
  type ActivityTaskRecord,
  activityArn,
  isValidName,
} from './model.js';

/** How long GetActivityTask waits for a task before answering with no token (AWS: 60 s). */
export const ACTIVITY_POLL_MS = 60_000;

interface Poller {
  workerName?: string;
  resolve(task: ActivityTaskRecord | undefined): void;
}

/** Activities and their task queue. `isLive(token)` says whether a task's execution still waits on it. */
export class Activities {
  private readonly records;
  private readonly tasks;
  private readonly queued = new Map<string, ActivityTaskRecord[]>();
  private readonly pollers = new Map<string, Poller[]>();
  private readonly startedListeners = new Map<string, (workerName: string | undefined) => void>();
  private loaded: Promise<void> | undefined;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly isLive: (token: string) => Promise<boolean>,
  ) {
    this.records = store.table<ActivityRecord>(ACTIVITIES);
    this.tasks = store.table<ActivityTaskRecord>(ACTIVITY_TASKS);
  }

  /** CreateActivity; an existing activity of that name is returned as is (AWS's idempotency). */
  async create(
    region: string,
    name: string,
    tags?: Record<string, string>,
    owner?: ActivityRecord['owner'],
  ): Promise<ActivityRecord> {
    if (!isValidName(name)) throw sfnError('InvalidName', `Invalid Name: '${name}'`);
    const arn = activityArn(region, name);
    const existing = await this.records.get(arn);
    if (existing) return existing;
    const record: ActivityRecord = {
      activityArn: arn,
      name,
      creationDate: this.clock.now(),
      ...(tags ? { tags } : {}),
      ...(owner ? { owner } : {}),
    };
    await this.records.put(arn, record);
    return record;
  }

  /** An activity by ARN, or ActivityDoesNotExist. */
  async describe(arn: unknown): Promise<ActivityRecord> {
    checkActivityArn(arn);
    const record = await this.records.get(arn);
    if (!record) throw sfnError('ActivityDoesNotExist', `Activity Does Not Exist: '${arn}'`);
    return record;
  }

  /** Every activity, by name. */
  async list(): Promise<ActivityRecord[]> {
    return (await this.records.list()).map((e) => e.value).sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Activities a deployment created for a service and stage. */
  async owned(service: string, stage: string): Promise<ActivityRecord[]> {
    return (await this.list()).filter((a) => a.owner?.service === service && a.owner.stage === stage);
  }

  /** DeleteActivity (a missing one is not an error, as on AWS). */
  async delete(arn: unknown): Promise<void> {
    checkActivityArn(arn);
    await this.records.delete(arn);
  }

  /** Stores a new task (with the caller's writes, in one batch) and hands it to a waiting worker if any. */
  async schedule(task: ActivityTaskRecord, writes: Write[]): Promise<void> {
    await this.describe(task.activityArn);
    await this.ensureLoaded();
    await this.store.batch([{ table: ACTIVITY_TASKS, key: task.token, value: task }, ...writes]);
    this.enqueue(task);
    await this.dispatch(task.activityArn);
  }

  /**
   * Calls `fn` once with the worker's name when the task is handed out, or at once when it already
   * was (a task taken before the execution started waiting, or before a restart).
   */
  async onStarted(token: string, fn: (workerName: string | undefined) => void): Promise<void> {
    this.startedListeners.set(token, fn);
    const stored = await this.tasks.get(token);
    if (stored?.startedAt !== undefined && this.startedListeners.get(token) === fn) {
      this.startedListeners.delete(token);
      fn(stored.workerName);
    }
  }

  /** Forgets a task whose execution no longer waits on it. */
  async close(token: string): Promise<void> {
    this.startedListeners.delete(token);
    for (const [arn, list] of this.queued) {
      const i = list.findIndex((t) => t.token === token);
      if (i >= 0) list.splice(i, 1);
      if (list.length === 0) this.queued.delete(arn);
    }
    await this.tasks.delete(token);
  }

  /** GetActivityTask: the next task for the activity, or undefined after the long poll (or on abort). */
  async poll(
    arn: string,
    workerName: string | undefined,
    signal: AbortSignal,
  ): Promise<ActivityTaskRecord | undefined> {
    await this.describe(arn);
    await this.ensureLoaded();
    return new Promise((resolve) => {
      let done = false;
      const poller: Poller = {
        workerName,
        resolve: (task) => {
          if (done) return;
          done = true;
          timer.cancel();
          signal.removeEventListener('abort', onAbort);
          const list = this.pollers.get(arn) ?? [];
          const i = list.indexOf(poller);
          if (i >= 0) list.splice(i, 1);
          resolve(task);
        },
      };
      const onAbort = () => poller.resolve(undefined);
      const timer = this.clock.setTimer(() => poller.resolve(undefined), ACTIVITY_POLL_MS);
      signal.addEventListener('abort', onAbort, { once: true });
      const list = this.pollers.get(arn) ?? [];
      list.push(poller);
      this.pollers.set(arn, list);
      void this.dispatch(arn);
    });
  }

  /** Ends every waiting poll with no task (platform shutdown). */
  shutdown(): void {
    for (const list of this.pollers.values()) for (const p of [...list]) p.resolve(undefined);
  }

  private enqueue(task: ActivityTaskRecord): void {
    const list = this.queued.get(task.activityArn) ?? [];
    list.push(task);
    this.queued.set(task.activityArn, list);
  }

  /** Pairs waiting workers with queued tasks, dropping tasks whose execution gave up on them. */
  private async dispatch(arn: string): Promise<void> {
    for (;;) {
      const pollers = this.pollers.get(arn);
      const queue = this.queued.get(arn);
      if (!pollers?.length || !queue?.length) return;
      const task = queue.shift() as ActivityTaskRecord;
      if (!(await this.isLive(task.token))) {
        await this.tasks.delete(task.token);
        continue;
      }
      const poller = this.pollers.get(arn)?.shift();
      if (!poller) {
        queue.unshift(task);
        return;
      }
      const started: ActivityTaskRecord = {
        ...task,
        startedAt: this.clock.now(),
        ...(poller.workerName ? { workerName: poller.workerName } : {}),
      };
      await this.tasks.put(task.token, started);
      const listener = this.startedListeners.get(task.token);
      this.startedListeners.delete(task.token);
      listener?.(poller.workerName);
      poller.resolve(started);
    }
  }

  /** Re-queues, once per process, the stored tasks no worker has taken yet. */
  private ensureLoaded(): Promise<void> {
    this.loaded ??= this.tasks.list().then((rows) => {
      for (const { value } of rows.sort((a, b) => a.value.scheduledAt - b.value.scheduledAt))
        if (value.startedAt === undefined) this.enqueue(value);
    });
    return this.loaded;
  }
}

function sfnError(code: string, message: string): SelflessError {
  return new SelflessError(code, message);
}

function checkActivityArn(arn: unknown): asserts arn is string {
  if (typeof arn !== 'string' || !arn.startsWith('arn:'))
    throw sfnError('InvalidArn', `Invalid Arn: 'Invalid ARN prefix: ${String(arn)}'`);
  const resource = arn.split(':')[5];
  if (!arn.startsWith('arn:aws:states:') || resource !== 'activity')
    throw sfnError('InvalidArn', `Invalid Arn: 'Resource type not valid in this context: ${resource ?? ''}'`);
}
