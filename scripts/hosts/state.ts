/**
 * What a running harness has created, kept in STATE_DIR/state.json, and how to undo it. Every
 * resource is recorded before it is created, so a crash at any point leaves nothing untracked;
 * `teardown` undoes the list in reverse and ignores what is already gone. Processes are ended only
 * when their pid still names the process the harness started (same start time in /proc).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export type Resource =
  | { readonly kind: "dir"; readonly path: string }
  | { readonly kind: "mount"; readonly path: string }
  | { readonly kind: "netns"; readonly name: string }
  | { readonly kind: "link"; readonly name: string }
  | { readonly kind: "route"; readonly route: string }
  | { readonly kind: "loop"; readonly device: string; readonly file: string }
  | { readonly kind: "process"; readonly name: string; readonly pid: number; readonly started: string };

export interface HarnessState {
  /** Resources in creation order. */
  resources: Resource[];
  /** Set once every host answers on SSH. */
  ready: boolean;
}

export class StateFile {
  constructor(readonly dir: string) {}

  get path(): string {
    return join(this.dir, "state.json");
  }

  exists(): boolean {
    return existsSync(this.path);
  }

  read(): HarnessState {
    return JSON.parse(readFileSync(this.path, "utf8")) as HarnessState;
  }

  write(state: HarnessState): void {
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(`${this.path}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
    execFileSync("mv", ["-f", `${this.path}.tmp`, this.path]);
  }

  /** Records `resource` (before it is created). */
  add(resource: Resource): void {
    const state = this.exists() ? this.read() : { resources: [], ready: false };
    state.resources.push(resource);
    this.write(state);
  }

  /** Forgets the resources `drop` matches (after they were undone one by one, e.g. a host's stop). */
  remove(drop: (resource: Resource) => boolean): void {
    const state = this.read();
    state.resources = state.resources.filter((resource) => !drop(resource));
    this.write(state);
  }

  setReady(ready: boolean): void {
    const state = this.read();
    state.ready = ready;
    this.write(state);
  }
}

/** The start time of `pid` in clock ticks since boot (field 22 of /proc/PID/stat); undefined when gone. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses: count fields after its last ")".
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

/** Whether the process the harness started is still running (and its pid not reused). */
export function isOurs(resource: Extract<Resource, { kind: "process" }>): boolean {
  return processStartTime(resource.pid) === resource.started;
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** Ends one process the harness started: SIGTERM (systemd-nspawn then powers the machine off),
 *  SIGKILL after `graceSeconds`. Waits until it is gone. */
export async function endProcess(resource: Extract<Resource, { kind: "process" }>, graceSeconds = 20): Promise<void> {
  if (!isOurs(resource)) return;
  process.kill(resource.pid, "SIGTERM");
  const deadline = Date.now() + graceSeconds * 1000;
  while (isOurs(resource) && Date.now() < deadline) await sleep(100);
  if (isOurs(resource)) {
    process.kill(resource.pid, "SIGKILL");
    while (isOurs(resource)) await sleep(50);
  }
}

function quiet(command: string, args: string[]): string | undefined {
  try {
    execFileSync(command, args, { stdio: ["ignore", "ignore", "pipe"] });
    return undefined;
  } catch (error) {
    return `${command} ${args.join(" ")}: ${String((error as { stderr?: Buffer }).stderr ?? error).trim()}`;
  }
}

function isMounted(path: string): boolean {
  return readFileSync("/proc/self/mounts", "utf8")
    .split("\n")
    .some((line) => line.split(" ")[1] === path);
}

/** Undoes one resource; returns a problem when something could not be undone. */
async function undo(resource: Resource): Promise<string | undefined> {
  switch (resource.kind) {
    case "process":
      await endProcess(resource);
      return undefined;
    case "mount":
      if (!isMounted(resource.path)) return undefined;
      return quiet("umount", [resource.path]) && quiet("umount", ["--lazy", resource.path]);
    case "loop": {
      const attached = execFileSync("losetup", ["--list", "--noheadings", "--output", "NAME,BACK-FILE"], {
        encoding: "utf8",
      });
      const ours = attached.split("\n").some((line) => {
        const [name, file] = line.trim().split(/\s+/, 2);
        return name === resource.device && file === resource.file;
      });
      return ours ? quiet("losetup", ["--detach", resource.device]) : undefined;
    }
    case "link":
      return existsSync(`/sys/class/net/${resource.name}`) ? quiet("ip", ["link", "delete", resource.name]) : undefined;
    case "netns":
      return existsSync(`/run/netns/${resource.name}`) ? quiet("ip", ["netns", "delete", resource.name]) : undefined;
    case "route": {
      const routes = execFileSync("ip", ["route", "show", "type", "unreachable"], { encoding: "utf8" });
      const prefix = resource.route.split(" ")[1];
      return routes.includes(prefix) ? quiet("ip", ["route", "delete", ...resource.route.split(" ")]) : undefined;
    }
    case "dir":
      rmSync(resource.path, { recursive: true, force: true });
      return undefined;
  }
}

/** Undoes every recorded resource, newest first, then removes the state file. Returns the problems. */
export async function teardown(stateFile: StateFile): Promise<string[]> {
  if (!stateFile.exists()) return [];
  const { resources } = stateFile.read();
  const problems: string[] = [];
  for (const resource of [...resources].reverse()) {
    const problem = await undo(resource);
    if (problem) problems.push(problem);
  }
  rmSync(stateFile.path, { force: true });
  return problems;
}
