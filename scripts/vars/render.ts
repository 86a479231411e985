/** Renders templates/vars.ts.njk with validated Vars (the counterpart of the seed's vars.tf.j2). */
import nunjucks from "nunjucks";
import type { Vars } from "./schema";

export function renderVars(vars: Vars, templatesDir: string): string {
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(templatesDir), {
    autoescape: false,
    throwOnUndefined: true,
  });
  const environments = Object.values(vars.environments);
  const management = environments.find((environment) => environment.management);
  return env.render("vars.ts.njk", {
    vars,
    names: environments.map((environment) => environment.name),
    applicationNames: environments.filter((environment) => environment.service).map((environment) => environment.name),
    managementName: management?.name,
  });
}
