// The Auth.js v5 route handler, as in its docs.
import { handlers } from "@/auth"

export const { GET, POST } = handlers
