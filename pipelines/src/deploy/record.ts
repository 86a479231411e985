/**
 * Who registered a revision and why, kept where the history lives: as tags on the task
 * definition revision itself. `replaced` links each revision to the one that ran before it (the
 * deploy lock guarantees that one ran to completion), so the family's revisions form the chain
 * that promotion, rollback and `--history` read; nothing is kept in a local file.
 */
import type { Tag } from "@aws-sdk/client-ecs";

/** Tag keys of the deploy record; each key is written only by deploy-service. */
export const RECORD_TAGS = {
  action: "deploy:action",
  by: "deploy:by",
  commit: "deploy:commit",
  promotedFrom: "deploy:promoted-from",
  reason: "deploy:reason",
  replaced: "deploy:replaced",
  copyOf: "deploy:copy-of",
  allowedFindings: "deploy:allowed-findings",
} as const;

export type RecordField = keyof typeof RECORD_TAGS;

/** What one deploy-service run records on the revision it registers. */
export interface DeployRecord {
  /** `deploy`, `promote` or `rollback`. */
  readonly action?: string;
  /** The Jenkins build URL, or `<user>@<host>` from a laptop. */
  readonly by?: string;
  /** The commit of this repository the deploy ran from. */
  readonly commit?: string;
  /** The environment whose image this is (promotion). */
  readonly promotedFrom?: string;
  /** Why: `--reason`. */
  readonly reason?: string;
  /** `family:revision` the service ran before this one. */
  readonly replaced?: string;
  /** Rollback: `family:revision` this revision is a copy of. */
  readonly copyOf?: string;
  /** `--allow-findings`: what the image's scan said (`CRITICAL 2, HIGH 1`, or its state). */
  readonly allowedFindings?: string;
}

/** ECS tag values: at most 256 characters of letters, digits, spaces and `+ - = . _ : / @`. */
export function tagValue(text: string): string {
  return text
    .replace(/[^\p{L}\p{N} +\-=._:/@]/gu, " ")
    .replace(/\s+/g, " ")
    .trim()
    .slice(0, 256);
}

/** `tags` without any earlier deploy record (a copied revision carries its source's), plus `record`. */
export function withRecord(tags: readonly Tag[] | undefined, record: DeployRecord): Tag[] {
  const ours = new Set<string>(Object.values(RECORD_TAGS));
  const kept = (tags ?? []).filter((tag) => !ours.has(String(tag.key))).map((tag) => ({ ...tag }));
  const added = (Object.keys(RECORD_TAGS) as RecordField[]).flatMap((field) => {
    const value = record[field] && tagValue(record[field]);
    return value ? [{ key: RECORD_TAGS[field], value }] : [];
  });
  return [...kept, ...added];
}

/** The deploy record a revision's tags carry (empty for revisions deploy-service did not register). */
export function readRecord(tags: readonly Tag[] | undefined): DeployRecord {
  const byKey = new Map((tags ?? []).map((tag) => [tag.key, tag.value]));
  const fields = (Object.keys(RECORD_TAGS) as RecordField[]).flatMap((field) => {
    const value = byKey.get(RECORD_TAGS[field]);
    return value ? [[field, value]] : [];
  });
  return Object.fromEntries(fields);
}

/** Who runs this deploy, from the environment Jenkins (BUILD_URL, GIT_COMMIT) or a shell gives it. */
export function runner(env: NodeJS.ProcessEnv, host: string): Pick<DeployRecord, "by" | "commit"> {
  const by = env.BUILD_URL || `${env.USER || env.USERNAME || "unknown"}@${host}`;
  return { by, commit: env.GIT_COMMIT || undefined };
}
