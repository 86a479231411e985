/**
 * A small evaluator of ECR lifecycle policies (expire rules only), written from AWS's documentation
 * ("Lifecycle policy properties in Amazon ECR" and "How lifecycle policies work", Amazon ECR User
 * Guide), so that a test can ask which images a synthesized policy would expire. The documented
 * behaviour it implements:
 *  - rules apply in order of rulePriority, lowest first; priorities are unique; a rule with tagStatus
 *    `any` must have the highest rulePriority; only one rule may select untagged images;
 *  - tagStatus `tagged` needs tagPrefixList or tagPatternList (not both); an image matches when every
 *    prefix (pattern) of the list matches one of its tags; `untagged` selects images without tags,
 *    `any` every image;
 *  - imageCountMoreThan sorts the rule's images from youngest to oldest by pushed time and expires
 *    all beyond countNumber; sinceImagePushed expires those pushed more than countNumber days ago;
 *  - "an image that matches the tagging requirements of a higher priority rule cannot be expired by
 *    a rule with a lower priority"; a lower rule still counts such images ("can still identify them
 *    as if they haven't been expired"); an image is expired by at most one rule.
 * The AWS examples ("Filtering on multiple rules", "...multiple tags in a single rule") are its tests.
 */

export interface Image {
  readonly name: string;
  readonly tags: readonly string[];
  readonly pushedDaysAgo: number;
}

interface Selection {
  tagStatus: "tagged" | "untagged" | "any";
  tagPrefixList?: readonly string[];
  tagPatternList?: readonly string[];
  countType: "imageCountMoreThan" | "sinceImagePushed";
  countUnit?: "days";
  countNumber: number;
}

export interface LifecycleRule {
  rulePriority: number;
  description?: string;
  selection: Selection;
  action: { type: "expire" };
}

/** What ECR refuses when the policy is put (PutLifecyclePolicy validates it); empty when valid. */
export function policyProblems(rules: readonly LifecycleRule[]): string[] {
  const problems: string[] = [];
  const priorities = rules.map((rule) => rule.rulePriority);
  if (new Set(priorities).size !== priorities.length) problems.push("rulePriority values repeat");
  const highest = Math.max(...priorities);
  for (const rule of rules) {
    const { selection } = rule;
    const where = `rule ${rule.rulePriority}`;
    if (selection.tagStatus === "any" && rule.rulePriority !== highest) {
      problems.push(`${where}: tagStatus any must have the highest rulePriority`);
    }
    if (selection.tagStatus === "tagged" && !selection.tagPrefixList?.length && !selection.tagPatternList?.length) {
      problems.push(`${where}: tagStatus tagged needs tagPrefixList or tagPatternList`);
    }
    if (selection.tagPrefixList && selection.tagPatternList)
      problems.push(`${where}: prefix and pattern lists both set`);
    if (selection.tagStatus !== "tagged" && (selection.tagPrefixList || selection.tagPatternList)) {
      problems.push(`${where}: tag lists go with tagStatus tagged`);
    }
    if (!Number.isInteger(selection.countNumber) || selection.countNumber < 1) {
      problems.push(`${where}: countNumber must be a positive integer`);
    }
    if ((selection.countType === "sinceImagePushed") !== (selection.countUnit === "days")) {
      problems.push(`${where}: countUnit days goes with sinceImagePushed, and only with it`);
    }
    if (rule.action?.type !== "expire") problems.push(`${where}: action must be expire`);
  }
  if (rules.filter((rule) => rule.selection.tagStatus === "untagged").length > 1) {
    problems.push("only one rule may select untagged images");
  }
  return problems;
}

/** `*` matches any run of characters (tagPatternList wildcards). */
const patternMatches = (pattern: string, tag: string) =>
  new RegExp(
    `^${pattern
      .split("*")
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*")}$`,
  ).test(tag);

/** Whether `image` meets the tagging requirements of `selection`. */
function selects(selection: Selection, image: Image): boolean {
  if (selection.tagStatus === "any") return true;
  if (selection.tagStatus === "untagged") return image.tags.length === 0;
  if (image.tags.length === 0) return false;
  if (selection.tagPrefixList) {
    return selection.tagPrefixList.every((prefix) => image.tags.some((tag) => tag.startsWith(prefix)));
  }
  return (selection.tagPatternList ?? []).every((pattern) => image.tags.some((tag) => patternMatches(pattern, tag)));
}

/** The images `rules` expire, each with the priority of the rule that expires it. Throws on an invalid policy. */
export function expiredImages(rules: readonly LifecycleRule[], images: readonly Image[]): Map<string, number> {
  const problems = policyProblems(rules);
  if (problems.length > 0) throw new Error(`ECR would refuse this lifecycle policy: ${problems.join("; ")}`);
  const expired = new Map<string, number>();
  const claimed = new Set<string>();
  for (const rule of [...rules].sort((a, b) => a.rulePriority - b.rulePriority)) {
    const { selection } = rule;
    // Youngest first; pushed time breaks no ties in the docs, so the name keeps the order stable.
    const matched = images
      .filter((image) => selects(selection, image))
      .sort((a, b) => a.pushedDaysAgo - b.pushedDaysAgo || a.name.localeCompare(b.name));
    const marked =
      selection.countType === "imageCountMoreThan"
        ? matched.slice(selection.countNumber)
        : matched.filter((image) => image.pushedDaysAgo > selection.countNumber);
    for (const image of marked) {
      if (!claimed.has(image.name) && !expired.has(image.name)) expired.set(image.name, rule.rulePriority);
    }
    for (const image of matched) claimed.add(image.name);
  }
  return expired;
}
