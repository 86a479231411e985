/** Renders templates/vars.ts.njk with validated Vars (the counterpart of the seed's vars.tf.j2). */
import nunjucks from "nunjucks";
import { applicationEnvironmentNames, managementEnvironmentName } from "./roles";
import type { Vars } from "./schema";

export function renderVars(vars: Vars, templatesDir: string): string {
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(templatesDir), {
    autoescape: false,
    throwOnUndefined: true,
  });
  return env.render("vars.ts.njk", {
    vars,
    names: Object.keys(vars.environments),
    applicationNames: applicationEnvironmentNames(vars),
    managementName: managementEnvironmentName(vars),
  });
}
