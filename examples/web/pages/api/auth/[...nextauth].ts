// pages/api/auth/[...nextauth].ts, exactly as in next-auth v4's docs.
import NextAuth from "next-auth"
import { authOptions } from "../../../lib/auth"

export default NextAuth(authOptions)
