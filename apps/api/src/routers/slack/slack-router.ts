import { router } from "../../trpc/init.ts";
import { getSettings } from "./get-slack-settings.ts";
import { saveSettings } from "./save-slack-settings.ts";
import { sendTest } from "./send-slack-test.ts";

export const slackRouter = router({ getSettings, saveSettings, sendTest });
