/**
 * Every Jenkinsfile parses as Groovy (compiled to the CONVERSION phase by scripts/groovy/
 * GroovySyntaxCheck.java; scripts/ensure-groovy.sh caches the Groovy jar and the compiled checker),
 * so a syntax error fails the test command instead of the first build on Jenkins.
 */
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applicationEnvironments, managementEnvironment, vars } from "../../stacks/global/vars";
import { jobDefinitions } from "../src/jenkins/jobs";

const root = resolve(import.meta.dirname, "../..");
/** Every job's Jenkinsfile, and the Groovy files they `load` (pipelines/jenkins/*.groovy). */
const jenkinsfiles = [
  ...jobDefinitions({ vars, applicationEnvironments, managementEnvironment }).map((job) => job.jenkinsfile),
  ...readdirSync(join(root, "pipelines/jenkins"))
    .filter((file) => file.endsWith(".groovy"))
    .map((file) => `pipelines/jenkins/${file}`),
];
const work = mkdtempSync(join(tmpdir(), "jenkinsfile-"));
let classpath: string;
let parsed: Promise<Parsed>;

interface Parsed {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * One JVM parses `files`. The JIT's first tier and the serial collector suit a run this short: it
 * takes about a second instead of two.
 */
function parse(...files: string[]): Promise<Parsed> {
  const flags = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"];
  return new Promise((done) => {
    execFile(
      "java",
      [...flags, "-cp", classpath, "GroovySyntaxCheck", ...files],
      { cwd: root },
      (error, stdout, stderr) => {
        const status = error ? (typeof error.code === "number" ? error.code : null) : 0;
        done({ status, stdout, stderr });
      },
    );
  });
}

beforeAll(() => {
  classpath = execFileSync("bash", [join(root, "scripts/ensure-groovy.sh")], { cwd: root, encoding: "utf8" }).trim();
  parsed = parse(...jenkinsfiles); // one JVM for all of them
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("Jenkinsfiles are valid Groovy", () => {
  it.each(jenkinsfiles)("%s parses", async (jenkinsfile) => {
    const result = await parsed;
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`${jenkinsfile}: ok`);
  });

  it("rejects a Jenkinsfile with a syntax error, naming file and line", async () => {
    const broken = join(work, "Jenkinsfile");
    const original = readFileSync(join(root, "pipelines/frontend/Jenkinsfile"), "utf8");
    // An unterminated string: sh 'docker push "$IMAGE"
    const step = `sh 'docker push "$IMAGE"'`;
    expect(original).toContain(step);
    writeFileSync(broken, original.replace(step, step.slice(0, -1)));
    const line = original.split("\n").findIndex((text) => text.includes(step)) + 1;
    const result = await parse(broken);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^${broken}:${line}:\\d+: `, "m"));
  });

  it("rejects a Jenkinsfile with an unclosed block", async () => {
    const broken = join(work, "Unclosed");
    writeFileSync(broken, "pipeline {\n  agent any\n  stages {\n");
    const result = await parse(broken);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(broken);
  });
});
