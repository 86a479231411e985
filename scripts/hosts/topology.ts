/**
 * The test hosts' world, in one place: names, addresses, the image's package list and where the
 * harness keeps its cache and its state. Pure values: the harness (./harness.ts), the tests
 * (tests/hosts) and the benchmark read them, nothing here touches the machine.
 *
 *   runner (root namespace) ── 198.18.0.1/30 ══ 198.18.0.2 ── bastion ── 198.18.1.1/30 ══ 198.18.1.2 ── jenkins
 *                                                                └──── 198.18.2.1/30 ══ 198.18.2.2 ── a client the test adds
 *
 * 198.18.0.0/15 is reserved for network benchmarks and tests (RFC 2544): no real host has these
 * addresses. The runner routes only its own link to the bastion; the rest of 198.18.0.0/16 is an
 * `unreachable` route there, so nothing for the hosts' networks ever leaves the machine, and Jenkins
 * is reached only through the bastion (ProxyJump), as in the VPC.
 */

/** Prefix of every network namespace and runner-side link the harness creates. */
export const PREFIX = "cxh";

export interface HostSpec {
  /** Container and host name. */
  readonly name: "bastion" | "jenkins";
  /** Network namespace the host boots in (/run/netns/<netns>). */
  readonly netns: string;
  /** The address Ansible and the tests reach the host at. */
  readonly address: string;
  /** The apt proxy as the host sees it: the runner's end of the bastion's link; for Jenkins, which
   *  has no route to the runner, a forwarder on its own loopback. */
  readonly aptProxy: string;
  /** Whether the host gets the file-backed second disk (the EBS data volume, /dev/xvdf). */
  readonly dataDisk: boolean;
}

export const RUNNER_ADDRESS = "198.18.0.1";
/** What the runner's routing table refuses, except its own link to the bastion. */
export const HOSTS_NETWORK = "198.18.0.0/16";
export const APT_PROXY_PORT = 3142;

export const BASTION: HostSpec = {
  name: "bastion",
  netns: `${PREFIX}-bastion`,
  address: "198.18.0.2",
  aptProxy: `http://${RUNNER_ADDRESS}:${APT_PROXY_PORT}`,
  dataDisk: false,
};

export const JENKINS: HostSpec = {
  name: "jenkins",
  netns: `${PREFIX}-jenkins`,
  address: "198.18.1.2",
  aptProxy: `http://127.0.0.1:${APT_PROXY_PORT}`,
  dataDisk: true,
};

export const HOSTS = [BASTION, JENKINS] as const;

/** A point-to-point link: [name, address/prefix] at each end; `null` namespace is the runner's. */
export interface LinkSpec {
  readonly a: { readonly netns: string | null; readonly name: string; readonly cidr: string };
  readonly b: { readonly netns: string; readonly name: string; readonly cidr: string };
}

export const LINKS: readonly LinkSpec[] = [
  {
    a: { netns: null, name: `${PREFIX}-bastion`, cidr: `${RUNNER_ADDRESS}/30` },
    b: { netns: BASTION.netns, name: "uplink", cidr: `${BASTION.address}/30` },
  },
  {
    a: { netns: BASTION.netns, name: "jenkins", cidr: "198.18.1.1/30" },
    b: { netns: JENKINS.netns, name: "uplink", cidr: `${JENKINS.address}/30` },
  },
];

/** The link a client namespace gets to the bastion (`attachClient`): the bastion answers at
 *  `bastionAddress`, the client sends from `address`. */
export const CLIENT = { bastionAddress: "198.18.2.1", address: "198.18.2.2", prefix: 30 } as const;

/** The user a fresh Debian EC2 image lets in with the instance's key pair (the mgmt stack's ssh_user). */
export const LOGIN_USER = "admin";

/** The device name the EBS data volume gets on a Xen instance; the jenkins role looks for it. */
export const DATA_DISK_DEVICE = "/dev/xvdf";
export const DATA_DISK_MIB = 256;

/** Debian release and mirror of the image; packages reach the hosts only through the proxy. */
export const SUITE = "bookworm";
export const MIRROR = "http://deb.debian.org/debian";
export const SECURITY_MIRROR = "http://deb.debian.org/debian-security";

/**
 * What a fresh Debian 12 EC2 image has beyond `debootstrap --variant=minbase`: systemd as init,
 * the SSH server, Python for Ansible, sudo for the login user, iproute2 and e2fsprogs. The roles
 * install everything else. Changing this list builds a new image (the cache is keyed by it).
 */
export const IMAGE_PACKAGES = [
  "ca-certificates",
  "dbus",
  "e2fsprogs",
  "iproute2",
  "openssh-server",
  "python3",
  "sudo",
  "systemd",
  "systemd-sysv",
] as const;

/** Cache kept between runs, outside the repository: images by package list, the proxy's packages. */
export const CACHE_DIR = process.env.HOSTS_CACHE_DIR ?? "/var/cache/connected-express-hosts";
/** What a running harness has created (state.json), its keys, logs and the hosts' writable layers. */
export const STATE_DIR = process.env.HOSTS_STATE_DIR ?? "/run/connected-express-hosts";
