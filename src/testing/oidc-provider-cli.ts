import { parseArgs } from 'node:util';
import { startOidcProvider, type TestAccount } from './oidc-provider';

const USAGE = `bun run oidc:provider [options]

A real OpenID provider on 127.0.0.1 for trying single sign-on by hand: any password signs in as a
--user's login name.

  --port N                         listen port (0 = any free port)          [9200]
  --confab URL                     Confab's address, for the redirect URI   [http://127.0.0.1:8000]
  --user login:email[:g1,g2]       a person and their groups (repeatable)   [ada:ada@example.com:staff,confab-admins]
`;

function account(spec: string): [string, TestAccount] {
  const [login, email, groups] = spec.split(':');
  if (!login || !email) throw new Error(`--user ${spec}: expected login:email[:groups]`);
  return [login, { email, groups: groups ? groups.split(',') : [] }];
}

async function main(argv: string[]): Promise<void> {
  const { values: v } = parseArgs({
    args: argv,
    options: { port: { type: 'string' }, confab: { type: 'string' }, user: { type: 'string', multiple: true }, help: { type: 'boolean' } },
  });
  if (v.help) {
    console.log(USAGE);
    return;
  }
  const confab = new URL(v.confab ?? 'http://127.0.0.1:8000').origin;
  const secret = crypto.randomUUID();
  const provider = await startOidcProvider({
    port: Number(v.port ?? 9200),
    clients: [{ clientId: 'confab', clientSecret: secret, redirectUris: [`${confab}/api/auth/oidc/callback`] }],
    accounts: Object.fromEntries((v.user ?? ['ada:ada@example.com:staff,confab-admins']).map(account)),
  });
  console.log(`OpenID provider at ${provider.issuer}; start Confab with:

OIDC_ISSUER=${provider.issuer} OIDC_CLIENT_ID=confab OIDC_CLIENT_SECRET=${secret} \\
  OIDC_SCOPES='openid email groups' OIDC_ADMIN_GROUPS=confab-admins PUBLIC_URL=${confab} bun start`);
  process.on('SIGINT', () => provider.close().then(() => process.exit(0)));
}

main(process.argv.slice(2)).catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
