/**
 * Every Jenkinsfile parses as Groovy (compiled to the CONVERSION phase by scripts/groovy/
 * GroovySyntaxCheck.java with the Groovy jar that scripts/ensure-groovy.sh caches), so a syntax
 * error fails the test command instead of the first build on Jenkins.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applicationEnvironments, managementEnvironment, vars } from "../../stacks/global/vars";
import { jobDefinitions } from "../src/jenkins/jobs";

const root = resolve(import.meta.dirname, "../..");
const checker = join(root, "scripts/groovy/GroovySyntaxCheck.java");
const jenkinsfiles = jobDefinitions({ vars, applicationEnvironments, managementEnvironment }).map(
  (job) => job.jenkinsfile,
);
let groovyJar: string;
let work: string;
let parsed: ReturnType<typeof parse>;

function parse(...files: string[]) {
  return spawnSync("java", ["-cp", groovyJar, checker, ...files], { cwd: root, encoding: "utf8" });
}

beforeAll(() => {
  groovyJar = execFileSync("bash", [join(root, "scripts/ensure-groovy.sh")], { cwd: root, encoding: "utf8" }).trim();
  work = mkdtempSync(join(tmpdir(), "jenkinsfile-"));
  parsed = parse(...jenkinsfiles); // one JVM for all of them
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("Jenkinsfiles are valid Groovy", () => {
  it.each(jenkinsfiles)("%s parses", (jenkinsfile) => {
    expect(parsed.stderr).toBe("");
    expect(parsed.status).toBe(0);
    expect(parsed.stdout).toContain(`${jenkinsfile}: ok`);
  });

  it("rejects a Jenkinsfile with a syntax error, naming file and line", () => {
    const broken = join(work, "Jenkinsfile");
    const original = readFileSync(join(root, "pipelines/frontend/Jenkinsfile"), "utf8");
    // An unterminated string: sh 'docker push "$IMAGE"
    const step = `sh 'docker push "$IMAGE"'`;
    expect(original).toContain(step);
    writeFileSync(broken, original.replace(step, step.slice(0, -1)));
    const line = original.split("\n").findIndex((text) => text.includes(step)) + 1;
    const result = parse(broken);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^${broken}:${line}:\\d+: `, "m"));
  });

  it("rejects a Jenkinsfile with an unclosed block", () => {
    const broken = join(work, "Unclosed");
    writeFileSync(broken, "pipeline {\n  agent any\n  stages {\n");
    const result = parse(broken);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(broken);
  });
});
