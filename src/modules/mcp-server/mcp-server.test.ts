import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { eq } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { chunks, conversations } from '../../db/schema';
import { createHarness, type Harness } from '../../testing/app-harness';
import { testDatabases } from '../../testing/databases';
import { waitForDocument } from '../../testing/documents';

interface Account {
  id: string;
  cookie: string;
  key: string;
}

for (const target of testDatabases()) {
  describe(`Confab as an MCP server on ${target.name}`, () => {
    let database: Database;
    let h: Harness;
    let alice: Account;
    let bob: Account;
    let aliceDoc: string;
    const clients: Client[] = [];

    async function account(): Promise<Account> {
      const { cookie, id } = await h.signup();
      const key = await h.json('POST', '/api/keys', { cookie, body: { name: 'mcp' } });
      return { id, cookie, key: key.body.key };
    }

    /** The SDK's own client, its HTTP requests answered by the app in process. */
    async function connect(headers: Record<string, string>): Promise<Client> {
      const transport = new StreamableHTTPClientTransport(new URL('http://localhost/mcp'), {
        requestInit: { headers },
        fetch: (url, init) => h.app.handle(new Request(url, init)),
      });
      const client = new Client({ name: 'test', version: '1.0.0' });
      await client.connect(transport);
      clients.push(client);
      return client;
    }

    const parsed = (result: Awaited<ReturnType<Client['callTool']>>) => result.structuredContent as any;

    beforeAll(async () => {
      database = await target.open();
      h = createHarness(database);
      alice = await account();
      bob = await account();
      const form = new FormData();
      form.append(
        'file',
        new File(
          ['# Falconry\n\nThe peregrine falcon stoops at over three hundred kilometres per hour when hunting pigeons.'],
          'falcons.md',
        ),
      );
      const res = await h.request('POST', '/api/documents', { cookie: alice.cookie, raw: form });
      aliceDoc = ((await res.json()) as { id: string }).id;
      await waitForDocument(database, aliceDoc);
    }, 60_000);
    afterAll(async () => {
      for (const c of clients) await c.close();
      await h.close();
      await target.cleanup();
    });

    test('lists-the-four-document-tools-with-their-schemas', async () => {
      const client = await connect({ authorization: `Bearer ${alice.key}` });
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(['ask', 'get_chunk', 'list_documents', 'search_documents']);
      const search = tools.find((t) => t.name === 'search_documents');
      expect(search?.inputSchema.required).toEqual(['query']);
    });

    test('search-returns-the-owners-passage-with-its-citation-fields', async () => {
      const client = await connect({ authorization: `Bearer ${alice.key}` });
      const result = await client.callTool({ name: 'search_documents', arguments: { query: 'peregrine falcon speed' } });
      expect(result.isError).toBeFalsy();
      const [hit] = parsed(result).results;
      expect(hit).toMatchObject({ n: 1, documentId: aliceDoc, documentName: 'falcons.md', page: null, start: 0 });
      expect(hit.text).toContain('peregrine falcon');
      expect(hit.end).toBeGreaterThan(hit.start);

      const chunk = await client.callTool({ name: 'get_chunk', arguments: { id: hit.chunkId } });
      expect(parsed(chunk)).toMatchObject({ chunkId: hit.chunkId, documentId: aliceDoc, text: hit.text });
    });

    test('another-users-key-sees-none-of-the-first-users-documents', async () => {
      const [row] = await database.db.select({ id: chunks.id }).from(chunks).where(eq(chunks.documentId, aliceDoc));
      const client = await connect({ authorization: `Bearer ${bob.key}` });
      const search = await client.callTool({ name: 'search_documents', arguments: { query: 'peregrine falcon speed' } });
      expect(parsed(search).results).toEqual([]);
      expect(parsed(await client.callTool({ name: 'list_documents', arguments: {} })).documents).toEqual([]);
      const chunk = await client.callTool({ name: 'get_chunk', arguments: { id: row.id } });
      expect(chunk.isError).toBe(true);
      expect(JSON.stringify(chunk.content)).not.toContain('peregrine');

      const own = await connect({ authorization: `Bearer ${alice.key}` });
      const docs = parsed(await own.callTool({ name: 'list_documents', arguments: {} })).documents;
      expect(docs.map((d: { id: string }) => d.id)).toEqual([aliceDoc]);
    });

    test('ask-answers-from-the-documents-with-citations-in-a-stored-conversation', async () => {
      const client = await connect({ authorization: `Bearer ${alice.key}` });
      const result = await client.callTool({ name: 'ask', arguments: { question: 'How fast does the peregrine falcon stoop?' } });
      const answer = parsed(result);
      expect(answer.citations[0]).toMatchObject({ documentId: aliceDoc });
      expect(answer.content).toContain('[1]');
      const [conv] = await database.db.select().from(conversations).where(eq(conversations.id, answer.conversationId));
      expect(conv.userId).toBe(alice.id);
    });

    test('invalid-arguments-are-a-protocol-error-that-runs-nothing', async () => {
      const client = await connect({ authorization: `Bearer ${alice.key}` });
      await expect(client.callTool({ name: 'search_documents', arguments: { query: '', limit: 500 } })).rejects.toThrow(
        /Invalid arguments/,
      );
      await expect(client.callTool({ name: 'get_chunk', arguments: { id: 'not-a-uuid' } })).rejects.toThrow(/Invalid arguments/);
    });

    test('refuses-a-bad-key-and-a-session-cookie', async () => {
      await expect(connect({ authorization: 'Bearer cfk_not_a_key' })).rejects.toThrow();
      const res = await h.request('POST', '/mcp', {
        cookie: alice.cookie,
        headers: { accept: 'application/json, text/event-stream' },
        body: { jsonrpc: '2.0', id: 1, method: 'tools/list' },
      });
      expect(res.status).toBe(401);
      expect(((await res.json()) as any).error.code).toBe('unauthorized');
    });
  });
}
