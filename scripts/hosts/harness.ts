/**
 * The host harness: boots the bastion and Jenkins as Debian 12 machines (systemd-nspawn --boot, one
 * overlay of the cached image each), each in its own network namespace, with packages only through
 * an apt proxy on the runner's side; and tears all of it down again. Everything it creates is
 * recorded first in STATE_DIR/state.json (./state.ts), so `stopHosts` also undoes an interrupted
 * start. Topology and names: ./topology.ts.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, chownSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { jenkinsUrl } from "../../lib/naming";
import { managementEnvironment, vars } from "../../stacks/global/vars";
import { ensureImage } from "./image";
import { containerFiles } from "./machine-files";
import { type SshFiles, ssh, sshConfig, sshFiles } from "./ssh";
import { endProcess, isOurs, processStartTime, type Resource, StateFile, teardown } from "./state";
import {
  APT_PROXY_PORT,
  BASTION,
  CACHE_DIR,
  CLIENT,
  DATA_DISK_DEVICE,
  DATA_DISK_MIB,
  HOSTS,
  HOSTS_NETWORK,
  type HostSpec,
  JENKINS,
  LINKS,
  LOGIN_USER,
  PREFIX,
  RUNNER_ADDRESS,
  STATE_DIR,
} from "./topology";

export interface HarnessOptions {
  /** Progress lines. @default console.error */
  readonly log?: (line: string) => void;
  /** @default STATE_DIR */
  readonly stateDir?: string;
  /** @default CACHE_DIR */
  readonly cacheDir?: string;
}

/** What the tests and the CLI need to reach the hosts. */
export interface RunningHosts {
  readonly stateDir: string;
  readonly ssh: SshFiles;
  /** The mgmt stack's outputs as `cdktf output` writes them, with the test hosts' addresses:
   *  what `pnpm inventory --outputs` reads. */
  readonly outputs: string;
  /** The image the hosts booted from. */
  readonly image: string;
  /** Whether this start had to build the image. */
  readonly imageBuilt: boolean;
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** One harness per machine at a time: the fixed names and addresses allow no second one. */
export const LOCK_FILE = "/run/connected-express-hosts.lock";
let lockHolder: ChildProcess | undefined;

/**
 * Takes the machine-wide harness lock for this process (flock, held by a child whose stdin is this
 * process: it is released when the process ends, however it ends). Waits while another run holds it.
 */
async function lock(log: (line: string) => void, timeoutSeconds = 1800): Promise<void> {
  if (lockHolder) return;
  const holder = spawn(
    "flock",
    ["--exclusive", "--timeout", String(timeoutSeconds), LOCK_FILE, "sh", "-c", "echo locked; exec cat >/dev/null"],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
  const waiting = setTimeout(() => log(`waiting for another run's test hosts to finish (${LOCK_FILE})`), 1000);
  try {
    await new Promise<void>((done, fail) => {
      holder.stdout?.once("data", () => done());
      holder.once("exit", (code) => fail(new Error(`could not take ${LOCK_FILE} (flock exit ${code})`)));
      holder.once("error", fail);
    });
  } finally {
    clearTimeout(waiting);
  }
  holder.unref();
  for (const stream of [holder.stdin, holder.stdout] as Array<{ unref?: () => void } | null>) stream?.unref?.();
  lockHolder = holder;
}

/** Releases the lock if this process holds it. */
export function unlock(): void {
  lockHolder?.stdin?.end();
  lockHolder = undefined;
}

function run(command: string, args: readonly string[]): string {
  try {
    return execFileSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (error) {
    const stderr = String((error as { stderr?: string }).stderr ?? "").trim();
    throw new Error(`${command} ${args.join(" ")} failed: ${stderr || (error as Error).message}`);
  }
}

/**
 * What stops the harness on this machine, each with its fix; empty when it can run. Changes nothing.
 */
export function preflight(): string[] {
  const problems: string[] = [];
  if (process.getuid?.() !== 0) {
    problems.push(
      "the host tests need root (network namespaces, mounts, loop devices, systemd-nspawn): run them as root, as CI does",
    );
    return problems;
  }
  const filesystems = readFileSync("/proc/filesystems", "utf8");
  if (!/\toverlay\n/.test(filesystems)) problems.push("the kernel has no overlayfs: load it with `modprobe overlay`");
  if (!existsSync("/dev/loop-control"))
    problems.push("no loop devices (/dev/loop-control): load them with `modprobe loop`");
  if (!existsSync("/sys/fs/cgroup")) problems.push("no cgroup file system at /sys/fs/cgroup: systemd-nspawn needs one");
  for (const tool of ["systemd-nspawn", "mmdebstrap", "apt-cacher-ng", "socat", "ip", "ssh", "losetup", "mkfs.ext4"]) {
    try {
      execFileSync("sh", ["-c", `command -v ${tool} || test -x /usr/sbin/${tool}`], { stdio: "ignore" });
    } catch {
      problems.push(
        `${tool} is missing: run bash scripts/hosts/ensure-packages.sh (installs it from Debian's packages)`,
      );
    }
  }
  return problems;
}

/** Whether a harness is recorded in `stateDir`, and whether any of its processes still run. */
export function harnessStatus(stateDir = STATE_DIR): { recorded: boolean; running: string[]; ready: boolean } {
  const stateFile = new StateFile(stateDir);
  if (!stateFile.exists()) return { recorded: false, running: [], ready: false };
  const state = stateFile.read();
  const running = state.resources.flatMap((resource) =>
    resource.kind === "process" && isOurs(resource) ? [`${resource.name} (pid ${resource.pid})`] : [],
  );
  return { recorded: true, running, ready: state.ready };
}

/** Tears down everything the harness in `stateDir` created. Returns what could not be undone. */
export async function stopHosts(options: HarnessOptions = {}): Promise<string[]> {
  await lock(options.log ?? ((line: string) => console.error(line)));
  try {
    return await teardown(new StateFile(options.stateDir ?? STATE_DIR));
  } finally {
    unlock();
  }
}

/** Starts a detached process (it outlives the CLI that started it), recorded for teardown. */
function startProcess(stateFile: StateFile, name: string, command: string, args: readonly string[], logFile: string) {
  const out = openSync(logFile, "a");
  const child = spawn(command, args, { detached: true, stdio: ["ignore", out, out] });
  closeSync(out);
  child.unref();
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${command} did not start`);
  const started = processStartTime(pid);
  if (started === undefined) throw new Error(`${command} exited at once; see ${logFile}`);
  stateFile.add({ kind: "process", name, pid, started });
  return pid;
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>, seconds: number, hint: string) {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(200);
  }
  throw new Error(`${what} not within ${seconds} s; ${hint}`);
}

function portOpen(host: string, port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host, port, timeout: 1000 });
    socket.once("connect", () => {
      socket.destroy();
      done(true);
    });
    socket.once("error", () => done(false));
    socket.once("timeout", () => {
      socket.destroy();
      done(false);
    });
  });
}

function createNetwork(stateFile: StateFile) {
  for (const host of HOSTS) {
    stateFile.add({ kind: "netns", name: host.netns });
    run("ip", ["netns", "add", host.netns]);
    run("ip", ["-n", host.netns, "link", "set", "lo", "up"]);
  }
  for (const { a, b } of LINKS) {
    const inA = a.netns ? ["-n", a.netns] : [];
    if (!a.netns) stateFile.add({ kind: "link", name: a.name });
    run("ip", [...inA, "link", "add", a.name, "type", "veth", "peer", "name", b.name, "netns", b.netns]);
    run("ip", [...inA, "address", "add", a.cidr, "dev", a.name]);
    run("ip", [...inA, "link", "set", a.name, "up"]);
    run("ip", ["-n", b.netns, "address", "add", b.cidr, "dev", b.name]);
    run("ip", ["-n", b.netns, "link", "set", b.name, "up"]);
  }
  // Nothing for the hosts' networks leaves the runner: only its own link to the bastion is routed.
  const route = `unreachable ${HOSTS_NETWORK}`;
  stateFile.add({ kind: "route", route });
  run("ip", ["route", "add", ...route.split(" ")]);
}

/** apt-cacher-ng, serving Debian's mirror only (ForceManaged, no CONNECT), on the runner's end of
 *  the bastion's link; Jenkins reaches it through two socat forwarders joined by a Unix socket. */
async function startProxy(stateFile: StateFile, stateDir: string, cacheDir: string) {
  const dir = join(stateDir, "proxy");
  const cache = join(cacheDir, "apt-cacher-ng");
  mkdirSync(dir, { recursive: true });
  mkdirSync(cache, { recursive: true });
  writeFileSync(
    join(dir, "acng.conf"),
    `# Written by scripts/hosts: the test hosts' only way to packages.
CacheDir: ${cache}
LogDir: ${dir}
SupportDir: /usr/lib/apt-cacher-ng
Port: ${APT_PROXY_PORT}
BindAddress: ${RUNNER_ADDRESS}
SocketPath: ${join(dir, "acng.socket")}
PidFile: ${join(dir, "acng.pid")}
Remap-debrep: file:deb_mirror*.gz /debian ; deb.debian.org/debian
Remap-secdeb: security.debian.org security.debian.org/debian-security deb.debian.org/debian-security /debian-security ; deb.debian.org/debian-security
ForceManaged: 1
PassThroughPattern: ^$
ExThreshold: 4
`,
  );
  startProcess(stateFile, "apt-cacher-ng", "apt-cacher-ng", ["-c", dir, "Foreground=1"], join(dir, "acng.out"));
  await waitFor(
    "apt-cacher-ng listening",
    () => portOpen(RUNNER_ADDRESS, APT_PROXY_PORT),
    20,
    `see ${join(dir, "acng.out")}`,
  );
  const socket = join(dir, "bridge.sock");
  startProcess(
    stateFile,
    "proxy bridge (runner)",
    "socat",
    [`UNIX-LISTEN:${socket},fork,unlink-early`, `TCP:${RUNNER_ADDRESS}:${APT_PROXY_PORT}`],
    join(dir, "bridge.out"),
  );
  startProcess(
    stateFile,
    "proxy bridge (jenkins)",
    "ip",
    [
      "netns",
      "exec",
      JENKINS.netns,
      "socat",
      `TCP-LISTEN:${APT_PROXY_PORT},bind=127.0.0.1,reuseaddr,fork`,
      `UNIX-CONNECT:${socket}`,
    ],
    join(dir, "bridge.out"),
  );
  await waitFor("the proxy bridge's socket", () => existsSync(socket), 10, `see ${join(dir, "bridge.out")}`);
}

/** The file-backed second disk of Jenkins (the EBS data volume), empty, on a loop device. */
function createDataDisk(stateFile: StateFile, layers: string): string {
  const file = join(layers, "jenkins-data.img");
  run("truncate", ["--size", `${DATA_DISK_MIB}M`, file]);
  const device = run("losetup", ["--find", "--show", file]).trim();
  stateFile.add({ kind: "loop", device, file });
  return device;
}

function machineDir(layers: string, host: HostSpec) {
  const base = join(layers, host.name);
  return { upper: join(base, "upper"), work: join(base, "work"), root: join(base, "root") };
}

/** Mounts the host's overlay and writes its identity and the harness's container-only files. */
function prepareMachine(stateFile: StateFile, layers: string, image: string, host: HostSpec, files: SshFiles) {
  const dirs = machineDir(layers, host);
  for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
  stateFile.add({ kind: "mount", path: dirs.root });
  run("mount", [
    "-t",
    "overlay",
    `${PREFIX}-${host.name}`,
    "-o",
    `lowerdir=${image},upperdir=${dirs.upper},workdir=${dirs.work}`,
    dirs.root,
  ]);
  const root = dirs.root;
  writeFileSync(join(root, "etc/hostname"), `${host.name}\n`);
  writeFileSync(
    join(root, "etc/hosts"),
    `127.0.0.1 localhost\n127.0.1.1 ${host.name}\n::1 localhost ip6-localhost ip6-loopback\n`,
  );
  writeFileSync(join(root, "etc/machine-id"), `${randomBytes(16).toString("hex")}\n`);
  run("ssh-keygen", ["-A", "-f", root]);
  for (const [path, content] of Object.entries(containerFiles(host))) {
    const target = join(root, path);
    mkdirSync(join(target, ".."), { recursive: true });
    if (content.symlink) {
      run("ln", ["-sfn", content.symlink, target]);
    } else {
      writeFileSync(target, content.text ?? "");
      chmodSync(target, content.mode ?? 0o644);
    }
  }
  // The instance's key pair: the login user's only way in, as on a fresh EC2 instance.
  const [uid, gid] = readFileSync(join(root, "etc/passwd"), "utf8")
    .split("\n")
    .find((line) => line.startsWith(`${LOGIN_USER}:`))
    ?.split(":")
    .slice(2, 4)
    .map(Number) ?? [Number.NaN, Number.NaN];
  const sshDir = join(root, "home", LOGIN_USER, ".ssh");
  mkdirSync(sshDir, { mode: 0o700, recursive: true });
  writeFileSync(join(sshDir, "authorized_keys"), readFileSync(`${files.key}.pub`), { mode: 0o600 });
  chownSync(sshDir, uid, gid);
  chownSync(join(sshDir, "authorized_keys"), uid, gid);
  return root;
}

function bootMachine(stateFile: StateFile, stateDir: string, host: HostSpec, dataDisk?: string) {
  const root = machineDir(join(stateDir, "layers"), host).root;
  startProcess(
    stateFile,
    `host ${host.name}`,
    "systemd-nspawn",
    [
      "--quiet",
      "--boot",
      // No systemd-machined on the runner: run unregistered, in the caller's own cgroup.
      "--register=no",
      "--keep-unit",
      `--machine=${PREFIX}-${host.name}`,
      `--directory=${root}`,
      `--network-namespace-path=/run/netns/${host.netns}`,
      // fail2ban bans through nftables, as on an EC2 instance.
      "--capability=CAP_NET_ADMIN",
      // The roles set the time zone and DNS is not there: nspawn copies neither from the runner.
      "--timezone=off",
      "--resolv-conf=off",
      "--link-journal=no",
      "--console=passive",
      ...(dataDisk ? [`--bind=${dataDisk}:${DATA_DISK_DEVICE}`] : []),
    ],
    join(stateDir, `${host.name}.console.log`),
  );
}

async function waitForSsh(files: SshFiles, host: HostSpec, stateDir: string) {
  const jump = host === JENKINS ? `${LOGIN_USER}@${BASTION.address}` : undefined;
  await waitFor(
    `${host.name} answering on SSH`,
    () => ssh(files, host.address, "true", { jump, timeoutSeconds: 10 }).status === 0,
    90,
    `see ${join(stateDir, `${host.name}.console.log`)}`,
  );
  // Boot finished: no start job of the image's own runs beside the first converge.
  const booted = ssh(files, host.address, "systemctl is-system-running --wait", { jump, timeoutSeconds: 90 });
  if (!/^(running|degraded)/.test(booted.stdout)) {
    throw new Error(`${host.name} did not finish booting: ${booted.stdout}${booted.stderr}`);
  }
}

function recordHostKeys(files: SshFiles, layers: string) {
  const lines = HOSTS.flatMap((host) =>
    ["ed25519", "ecdsa", "rsa"].map((type) => {
      const [algorithm, key] = readFileSync(
        join(machineDir(layers, host).root, `etc/ssh/ssh_host_${type}_key.pub`),
        "utf8",
      ).split(" ");
      return `${host.address} ${algorithm} ${key}`;
    }),
  );
  writeFileSync(files.knownHosts, `${lines.join("\n")}\n`);
}

/**
 * Starts both hosts: image (cached), network, proxy, data disk, machines; waits until both answer
 * on SSH. On any failure it tears down what it created and throws. With `replace`, a harness left
 * by an earlier run is torn down first; without, a running one is an error.
 */
export async function startHosts(options: HarnessOptions & { replace?: boolean } = {}): Promise<RunningHosts> {
  const log = options.log ?? ((line: string) => console.error(line));
  const stateDir = options.stateDir ?? STATE_DIR;
  const cacheDir = options.cacheDir ?? CACHE_DIR;
  const problems = preflight();
  if (problems.length > 0) throw new Error(`cannot start the test hosts:\n  - ${problems.join("\n  - ")}`);
  await lock(log);
  const status = harnessStatus(stateDir);
  if (status.recorded) {
    if (status.running.length > 0 && !options.replace) {
      throw new Error(
        `test hosts are already running (${status.running.join(", ")}): use them, or stop them with \`pnpm hosts stop\``,
      );
    }
    log(`tearing down the test hosts an earlier run left (${status.running.join(", ") || "no process"})`);
    await teardown(new StateFile(stateDir));
  }
  const stateFile = new StateFile(stateDir);
  stateFile.write({ resources: [{ kind: "dir", path: stateDir }], ready: false });
  try {
    const image = ensureImage(log, cacheDir);
    const layers = join(stateDir, "layers");
    mkdirSync(layers, { recursive: true });
    // The hosts' writable layers in memory: package installs in the hosts need no disk syncs.
    stateFile.add({ kind: "mount", path: layers });
    run("mount", ["-t", "tmpfs", "-o", "size=8g,mode=0700", `${PREFIX}-layers`, layers]);
    const files = sshFiles(stateDir);
    mkdirSync(files.dir, { recursive: true, mode: 0o700 });
    run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "test-harness", "-f", files.key]);
    writeFileSync(files.config, sshConfig(files));
    createNetwork(stateFile);
    await startProxy(stateFile, stateDir, cacheDir);
    const dataDisk = createDataDisk(stateFile, layers);
    for (const host of HOSTS) prepareMachine(stateFile, layers, image.dir, host, files);
    recordHostKeys(files, layers);
    for (const host of HOSTS) bootMachine(stateFile, stateDir, host, host.dataDisk ? dataDisk : undefined);
    for (const host of HOSTS) await waitForSsh(files, host, stateDir);
    const outputs = writeOutputs(stateDir);
    stateFile.setReady(true);
    log(`test hosts up: bastion ${BASTION.address}, jenkins ${JENKINS.address} (through the bastion)`);
    return { stateDir, ssh: files, outputs, image: image.dir, imageBuilt: image.built };
  } catch (error) {
    const leftovers = await teardown(stateFile);
    if (leftovers.length > 0) log(`teardown left: ${leftovers.join("; ")}`);
    unlock();
    throw error;
  }
}

/** The hosts of a running harness, for a process other than the one that started them. */
export function runningHosts(stateDir = STATE_DIR): RunningHosts {
  const status = harnessStatus(stateDir);
  if (!status.ready) throw new Error("no test hosts are running: start them with `pnpm hosts start`");
  return { stateDir, ssh: sshFiles(stateDir), outputs: join(stateDir, "outputs.json"), image: "", imageBuilt: false };
}

/** Writes the mgmt stack's outputs as they would be if the stack had made these hosts. */
function writeOutputs(stateDir: string): string {
  const file = join(stateDir, "outputs.json");
  const outputs = {
    [managementEnvironment]: {
      bastion_public_ip: BASTION.address,
      jenkins_private_ip: JENKINS.address,
      ssh_user: LOGIN_USER,
      jenkins_url: jenkinsUrl(vars, managementEnvironment),
    },
  };
  writeFileSync(file, `${JSON.stringify(outputs, null, 2)}\n`);
  return file;
}

/** Reboots a host as a power cycle: the machine shuts down, then boots again from the same disks. */
export async function rebootHost(name: HostSpec["name"], stateDir = STATE_DIR): Promise<void> {
  const host = HOSTS.find((candidate) => candidate.name === name);
  if (!host) throw new Error(`unknown host ${name}: bastion or jenkins`);
  const stateFile = new StateFile(stateDir);
  const machine = stateFile
    .read()
    .resources.find(
      (resource): resource is Extract<Resource, { kind: "process" }> =>
        resource.kind === "process" && resource.name === `host ${name}`,
    );
  if (machine) await endProcess(machine, 60);
  stateFile.remove(
    (resource) => resource === machine || (resource.kind === "process" && resource.name === `host ${name}`),
  );
  const loop = stateFile.read().resources.find((resource) => resource.kind === "loop");
  bootMachine(stateFile, stateDir, host, host.dataDisk && loop?.kind === "loop" ? loop.device : undefined);
  await waitForSsh(sshFiles(stateDir), host, stateDir);
}

/**
 * A network namespace `${PREFIX}-<name>` with a link into the bastion's namespace only: a client
 * that is not the runner (the fail2ban test's attacker). Torn down with the hosts.
 */
export function attachClient(name: string, stateDir = STATE_DIR): { netns: string; address: string; bastion: string } {
  const stateFile = new StateFile(stateDir);
  const netns = `${PREFIX}-${name}`;
  stateFile.add({ kind: "netns", name: netns });
  run("ip", ["netns", "add", netns]);
  run("ip", ["-n", netns, "link", "set", "lo", "up"]);
  run("ip", ["-n", BASTION.netns, "link", "add", name, "type", "veth", "peer", "name", "uplink", "netns", netns]);
  run("ip", ["-n", BASTION.netns, "address", "add", `${CLIENT.bastionAddress}/${CLIENT.prefix}`, "dev", name]);
  run("ip", ["-n", BASTION.netns, "link", "set", name, "up"]);
  run("ip", ["-n", netns, "address", "add", `${CLIENT.address}/${CLIENT.prefix}`, "dev", "uplink"]);
  run("ip", ["-n", netns, "link", "set", "uplink", "up"]);
  return { netns, address: CLIENT.address, bastion: CLIENT.bastionAddress };
}
