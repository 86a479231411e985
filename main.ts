// The app: every stack of the platform, synthesized into cdktf.out/stacks/<stack>/cdk.tf.json.
import { buildPlatform, createApp } from "./stacks/app";
import { vars } from "./stacks/global/vars";

const app = createApp();
buildPlatform(app, vars);
app.synth();
