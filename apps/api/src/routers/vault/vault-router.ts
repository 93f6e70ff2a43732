import { router } from "../../trpc/init.ts";
import { deleteSecret } from "./delete-secret.ts";
import { list } from "./list-secrets.ts";
import { setSecret } from "./set-secret.ts";

export const vaultRouter = router({ setSecret, list, deleteSecret });
