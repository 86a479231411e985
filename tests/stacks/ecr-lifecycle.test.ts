import { describe, expect, it } from "vitest";
import { DEPLOYED_TAG_PREFIX, deployedTag, previouslyDeployedTag } from "../../lib/naming";
import { expiredImages, type Image, type LifecycleRule } from "../support/ecr-lifecycle";
import { platform } from "../support/synth";

const rule = (rulePriority: number, selection: LifecycleRule["selection"]): LifecycleRule => ({
  rulePriority,
  selection,
  action: { type: "expire" },
});
const names = (expired: Map<string, number>) => [...expired.keys()].sort();

describe("the lifecycle evaluator reproduces AWS's documented examples", () => {
  const betaProd: Image[] = [
    { name: "A", tags: ["beta-1", "prod-1"], pushedDaysAgo: 10 },
    { name: "B", tags: ["beta-2", "prod-2"], pushedDaysAgo: 9 },
    { name: "C", tags: ["beta-3"], pushedDaysAgo: 8 },
  ];
  const keepOne = (prefix: string) =>
    ({ tagStatus: "tagged", tagPrefixList: [prefix], countType: "imageCountMoreThan", countNumber: 1 }) as const;

  it("multiple rules, example A: prod first expires only image A (B is held by the prod rule)", () => {
    expect(names(expiredImages([rule(1, keepOne("prod")), rule(2, keepOne("beta"))], betaProd))).toEqual(["A"]);
  });

  it("multiple rules, example B: beta first expires images A and B", () => {
    expect(names(expiredImages([rule(1, keepOne("beta")), rule(2, keepOne("prod"))], betaProd))).toEqual(["A", "B"]);
  });

  it("multiple prefixes in one rule, example A: only images with both, older than 5 days (image C)", () => {
    const images: Image[] = [
      { name: "A", tags: ["alpha-1"], pushedDaysAgo: 12 },
      { name: "B", tags: ["beta-1"], pushedDaysAgo: 11 },
      { name: "C", tags: ["alpha-2", "beta-2"], pushedDaysAgo: 10 },
      { name: "D", tags: ["alpha-3"], pushedDaysAgo: 4 },
      { name: "E", tags: ["beta-3"], pushedDaysAgo: 3 },
      { name: "F", tags: ["alpha-4", "beta-4"], pushedDaysAgo: 2 },
    ];
    const both = {
      tagStatus: "tagged",
      tagPrefixList: ["alpha", "beta"],
      countType: "sinceImagePushed",
      countUnit: "days",
      countNumber: 5,
    } as const;
    expect(names(expiredImages([rule(1, both)], images))).toEqual(["C"]);
  });

  it("multiple prefixes in one rule, example B: tags are not exclusive (images A and B)", () => {
    const images: Image[] = [
      { name: "A", tags: ["alpha-1", "beta-1", "gamma-1"], pushedDaysAgo: 10 },
      { name: "B", tags: ["alpha-2", "beta-2"], pushedDaysAgo: 9 },
      { name: "C", tags: ["alpha-3", "beta-3", "gamma-2"], pushedDaysAgo: 8 },
    ];
    const both = {
      tagStatus: "tagged",
      tagPrefixList: ["alpha", "beta"],
      countType: "imageCountMoreThan",
      countNumber: 1,
    } as const;
    expect(names(expiredImages([rule(1, both)], images))).toEqual(["A", "B"]);
  });

  it("refuses what ECR refuses: tagStatus any before another rule", () => {
    const any = { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 5 } as const;
    expect(() => expiredImages([rule(1, any), rule(2, keepOne("prod"))], betaProd)).toThrow(/highest rulePriority/);
  });
});

/** The frontend repository after `builds` builds (one a day, newest first), with markers where the
 *  environments run: dev the newest build, prod one older than the kept window, and prod's previous
 *  image older still; plus a day-old untagged image and a fresh one. */
function repository(builds: number, devRuns: number, prodRuns: number, prodRan: number): Image[] {
  const markers = new Map<number, string[]>([
    [devRuns, [deployedTag("dev")]],
    [prodRuns, [deployedTag("prod")]],
    [prodRan, [previouslyDeployedTag("prod")]],
  ]);
  const images: Image[] = Array.from({ length: builds }, (_, day) => ({
    name: `build-${day}`,
    tags: [`${builds - day}-abc${day}-${builds - day}`, ...(markers.get(day) ?? [])],
    pushedDaysAgo: day,
  }));
  images.push(
    { name: "untagged-old", tags: [], pushedDaysAgo: 3 },
    { name: "untagged-new", tags: [], pushedDaysAgo: 0 },
  );
  return images;
}

const marked = (images: readonly Image[]) =>
  images.filter((image) => image.tags.some((tag) => tag.startsWith(DEPLOYED_TAG_PREFIX))).map((image) => image.name);

/** Marked images the policy would expire, over repositories with markers inside and far outside the kept window. */
function expiredMarked(rules: readonly LifecycleRule[]): string[] {
  const scenarios = [repository(120, 0, 70, 110), repository(60, 3, 55, 59), repository(51, 0, 50, 50)];
  return scenarios.flatMap((images) => {
    const expired = expiredImages(rules, images);
    return marked(images).filter((name) => expired.has(name));
  });
}

describe("the frontend repository's lifecycle never expires an image an environment runs", () => {
  const synthesized = () =>
    JSON.parse(platform().stack("global").resource("aws_ecr_lifecycle_policy").policy).rules as LifecycleRule[];

  it("keeps every image marked deployed-<env> (current or previous) while builds pile up", () => {
    expect(expiredMarked(synthesized())).toEqual([]);
  });

  it("still expires old unmarked builds beyond the newest 50 and untagged images after a day", () => {
    const images = repository(120, 0, 70, 110);
    const expired = expiredImages(synthesized(), images);
    expect(expired.get("build-119")).toBe(3);
    expect(expired.get("build-60")).toBe(3);
    // tagStatus any ranks every image, the two untagged ones too: builds 0-47 fill the 50 with them.
    expect(expired.has("build-47")).toBe(false);
    expect(expired.get("build-48")).toBe(3);
    expect(expired.get("untagged-old")).toBe(2);
    expect(expired.has("untagged-new")).toBe(false);
    expect(expired.has("build-70")).toBe(false);
    expect(expired.has("build-110")).toBe(false);
  });

  it("protects the prefix the repository lets move, the one deploy-service writes", () => {
    const repository = platform().stack("global").resource("aws_ecr_repository");
    expect(repository.image_tag_mutability_exclusion_filter).toEqual([
      { filter: `${DEPLOYED_TAG_PREFIX}*`, filter_type: "WILDCARD" },
    ]);
    expect(synthesized()[0].selection.tagPrefixList).toEqual([DEPLOYED_TAG_PREFIX]);
  });

  describe("and the check fails on a broken copy", () => {
    it("without the marker rule (the old policy: keep the newest 50 of any)", () => {
      const broken = synthesized()
        .slice(1)
        .map((entry, index) => ({ ...entry, rulePriority: index + 1 }));
      expect(expiredMarked(broken)).toContain("build-70");
    });

    it("with the marker rule keeping too few marked images", () => {
      const broken = structuredClone(synthesized());
      broken[0].selection.countNumber = 1;
      expect(expiredMarked(broken).length).toBeGreaterThan(0);
    });

    it("with a prefix deploy-service does not write", () => {
      const broken = structuredClone(synthesized());
      broken[0].selection.tagPrefixList = ["deploy-"];
      expect(expiredMarked(broken)).toContain("build-70");
    });

    it("with the marker rule after the build rule (ECR refuses: any must come last)", () => {
      const broken = structuredClone(synthesized());
      broken[0].rulePriority = 10;
      expect(() => expiredMarked(broken)).toThrow(/highest rulePriority/);
    });
  });
});
