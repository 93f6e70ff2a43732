import { router } from "../../trpc/init.ts";
import { me } from "./get-me.ts";
import { logIn } from "./log-in.ts";
import { logOut } from "./log-out.ts";
import { signUp } from "./sign-up.ts";

export const authRouter = router({ signUp, logIn, logOut, me });
