/**
 * The review on a pull request: ONE comment, found again by a hidden marker and updated in place,
 * and the labels that sum it up ("changes" or "no-changes", "hazard:<category>" per hazard). The
 * findings come from `pnpm diff --format json` and `pnpm plan-summary --format json`; labels that
 * are not the review's own are left alone.
 */
import { UsageError } from "../../../lib/cli";
import type { GitHubClient, IssueComment, PullRequestRef } from "./client";

/** Hidden in the rendered comment; how a later run finds the comment to update. */
export const REVIEW_MARKER = "<!-- infrastructure-review: written by review-comment, updated in place -->";

/** GitHub refuses a comment body longer than this many characters. */
export const GITHUB_COMMENT_LIMIT = 65_536;

export const CHANGES_LABEL = "changes";
export const NO_CHANGES_LABEL = "no-changes";
export const HAZARD_LABEL_PREFIX = "hazard:";

/** What one review JSON says: does anything change, and which hazards it names. */
export interface ReviewFindings {
  readonly changed: boolean;
  readonly hazards: readonly string[];
}

interface HazardousResource {
  readonly hazards: readonly string[];
}

const SHAPES =
  '`pnpm diff --format json` ({"stacks":[{"stack","change","resources":[{"address","action","hazards"}]}]}) or ' +
  '`pnpm plan-summary --format json` ({"plans":[{"file","add","change","destroy","resources":[...]}]})';

/** Reads the JSON of `pnpm diff` or `pnpm plan-summary`; `source` names the file in errors. */
export function findingsFromJson(text: string, source: string): ReviewFindings {
  const refuse = (problem: string) => new UsageError(`${source}: ${problem}; expected the output of ${SHAPES}`);
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw refuse(`not JSON (${(error as Error).message})`);
  }
  const { stacks, plans } = (document ?? {}) as { stacks?: unknown; plans?: unknown };
  if (Array.isArray(stacks)) {
    const changed = stacks.map((stack, index) => {
      const { change } = stack as { change?: unknown };
      if (typeof change !== "string") throw refuse(`stacks[${index}].change is not a string`);
      return change !== "unchanged";
    });
    return { changed: changed.includes(true), hazards: hazardsOf(stacks, "stacks", refuse) };
  }
  if (Array.isArray(plans)) {
    const changed = plans.map((plan, index) => {
      const counts = ["add", "change", "destroy"].map((key) => (plan as Record<string, unknown>)[key]);
      if (!counts.every((count) => Number.isInteger(count))) {
        throw refuse(`plans[${index}] needs whole numbers add, change and destroy`);
      }
      return (counts as number[]).some((count) => count > 0);
    });
    return { changed: changed.includes(true), hazards: hazardsOf(plans, "plans", refuse) };
  }
  throw refuse('neither a "stacks" nor a "plans" list');
}

/** Every hazard named by a resource of `groups` (stacks or plans), checked to make a valid label. */
function hazardsOf(groups: unknown[], kind: string, refuse: (problem: string) => Error): string[] {
  const hazards = groups.flatMap((group, index) => {
    const { resources } = group as { resources?: unknown };
    if (!Array.isArray(resources)) throw refuse(`${kind}[${index}].resources is not a list`);
    return (resources as HazardousResource[]).flatMap((resource, position) => {
      const where = `${kind}[${index}].resources[${position}].hazards`;
      if (!Array.isArray(resource?.hazards)) throw refuse(`${where} is not a list`);
      for (const hazard of resource.hazards) {
        if (typeof hazard !== "string" || !/^[a-z0-9][a-z0-9-]{0,40}$/.test(hazard)) {
          throw refuse(`${where} holds ${JSON.stringify(hazard)}, not a hazard category such as "data-loss"`);
        }
      }
      return resource.hazards;
    });
  });
  return [...new Set(hazards)].sort();
}

/** The labels the review wants: "changes" or "no-changes", then "hazard:<category>" per hazard. */
export function reviewLabels(findings: readonly ReviewFindings[]): string[] {
  const changed = findings.some((finding) => finding.changed);
  const hazards = [...new Set(findings.flatMap((finding) => finding.hazards))].sort();
  return [changed ? CHANGES_LABEL : NO_CHANGES_LABEL, ...hazards.map((hazard) => `${HAZARD_LABEL_PREFIX}${hazard}`)];
}

/** Labels the review owns: it adds and removes these; every other label is someone else's. */
export function isReviewLabel(label: string): boolean {
  return label === CHANGES_LABEL || label === NO_CHANGES_LABEL || label.startsWith(HAZARD_LABEL_PREFIX);
}

/** What to add and remove so that exactly `wanted` remain of the review's labels. */
export function labelChanges(current: readonly string[], wanted: readonly string[]) {
  return {
    add: wanted.filter((label) => !current.includes(label)),
    remove: current.filter((label) => isReviewLabel(label) && !wanted.includes(label)),
  };
}

/** The comment that carries the marker; the oldest one if a race ever made two. */
export function findReviewComment(comments: readonly IssueComment[]): IssueComment | undefined {
  return comments.find((comment) => comment.body.includes(REVIEW_MARKER));
}

const CUT_NOTICE =
  "\n\n**Cut here to fit GitHub's comment limit.** The full review is in the build's artifacts (`review/`).";

/**
 * The comment: the marker, each section in order, then the footer after a rule. A body over
 * `limit` keeps the sections that fit whole, cuts the first that does not at a line (closing its
 * open code fence and <details>) with a notice, and leaves out the rest; the footer always stays.
 */
export function commentBody(sections: readonly string[], footer?: string, limit = GITHUB_COMMENT_LIMIT): string {
  const tail = footer ? `\n\n---\n${footer.trim()}` : "";
  const parts: string[] = [REVIEW_MARKER];
  let room = limit - REVIEW_MARKER.length - tail.length;
  for (const section of sections.map((text) => text.trim()).filter(Boolean)) {
    const separated = `\n\n${section}`;
    if (separated.length <= room) {
      parts.push(separated);
      room -= separated.length;
      continue;
    }
    parts.push(cutSection(separated, room));
    break;
  }
  return `${parts.join("")}${tail}`;
}

/** The longest start of `text`, cut at a line end, that fits `room` with its closers and the notice. */
function cutSection(text: string, room: number): string {
  let end = room;
  for (;;) {
    const cut = text.lastIndexOf("\n", end);
    const kept = cut > 0 ? text.slice(0, cut) : "";
    const closed = `${kept}${closers(kept)}${CUT_NOTICE}`;
    if (closed.length <= room || kept === "") return closed.length <= room ? closed : "";
    end = cut - 1;
  }
}

/** What `markdown` leaves open: a code fence, and <details> blocks. */
function closers(markdown: string): string {
  const fences = (markdown.match(/^\s*```/gm) ?? []).length;
  const details = (markdown.match(/<details>/g) ?? []).length - (markdown.match(/<\/details>/g) ?? []).length;
  return `${fences % 2 === 1 ? "\n```" : ""}${"\n</details>".repeat(Math.max(0, details))}`;
}

export interface ReviewOutcome {
  readonly comment: "created" | "updated" | "unchanged";
  /** The comment's address; undefined for a comment a dry run would create. */
  readonly url?: string;
  readonly added: readonly string[];
  readonly removed: readonly string[];
}

export interface PostReviewOptions {
  readonly dryRun: boolean;
  readonly log: (line: string) => void;
}

/**
 * Creates the review comment or updates the one that carries the marker, then adds and removes
 * the review's labels so that exactly `labels` remain of them (undefined: labels left as they are).
 * A dry run only reads.
 */
export async function postReview(
  client: GitHubClient,
  pr: PullRequestRef,
  body: string,
  labels: readonly string[] | undefined,
  { dryRun, log }: PostReviewOptions,
): Promise<ReviewOutcome> {
  const would = dryRun ? "would be " : "";
  const existing = findReviewComment(await client.listComments(pr));
  let comment: ReviewOutcome["comment"];
  let url = existing?.html_url;
  if (existing && existing.body === body) {
    comment = "unchanged";
  } else if (existing) {
    comment = "updated";
    if (!dryRun) url = (await client.updateComment(pr, existing.id, body)).html_url;
  } else {
    comment = "created";
    if (!dryRun) url = (await client.createComment(pr, body)).html_url;
  }
  log(`comment: ${would}${comment}${url ? ` ${url}` : ""}`);

  if (labels === undefined) {
    log("labels: left as they are (no --labels-from)");
    return { comment, url, added: [], removed: [] };
  }
  const { add, remove } = labelChanges(await client.listLabels(pr), labels);
  if (!dryRun) {
    if (add.length > 0) await client.addLabels(pr, add);
    for (const label of remove) await client.removeLabel(pr, label);
  }
  const changes = [...add.map((label) => `+${label}`), ...remove.map((label) => `-${label}`)];
  log(
    `labels: ${changes.length > 0 ? `${would}${changes.join(" ")}` : "unchanged"} (review labels: ${labels.join(", ")})`,
  );
  return { comment, url, added: add, removed: remove };
}
