/**
 * The promotion road: an environment with `service.delivery.promoteFrom` takes only an image its
 * source environment ran (./history.ts says what ran). Read-only; a refusal is bad input (exit 2)
 * that names the source and the tags it ran recently.
 */
import type { ECSClient } from "@aws-sdk/client-ecs";
import { UsageError } from "../../../lib/cli";
import { HISTORY_DEPTH, ranTags, readHistory } from "./history";
import type { DeployTarget } from "./options";

/** Tags a refusal lists as the ones to promote instead. */
const SHOWN_TAGS = 5;

/** Throws UsageError unless `source` ran `tag` among its newest revisions. */
export async function assertRanIn(
  ecs: ECSClient,
  source: DeployTarget,
  tag: string,
  destination: string,
): Promise<void> {
  const history = await readHistory(ecs, source);
  const ran = ranTags(history);
  if (ran.includes(tag)) return;
  const recent = ran.slice(0, SHOWN_TAGS);
  throw new UsageError(
    `image tag ${tag} never ran in ${source.environment} (the newest ${HISTORY_DEPTH} revisions of ${source.family}); ` +
      `${destination} takes only images ${source.environment} ran: ${recent.join(", ") || "none yet"}. ` +
      `Promote one of those (--promote deploys what ${source.environment} runs now), ` +
      `or override with --allow-unpromoted --reason "<why>"`,
  );
}
