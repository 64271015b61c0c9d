// pages/api/auth/[...nextauth].ts, as in next-auth v4's docs. The options
// are built on the first request (see lib/auth.ts).
import type { NextApiRequest, NextApiResponse } from "next"
import NextAuth from "next-auth"
import { authOptions } from "../../../lib/auth"

export default function auth(req: NextApiRequest, res: NextApiResponse) {
  return NextAuth(req, res, authOptions())
}
