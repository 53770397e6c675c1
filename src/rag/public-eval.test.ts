import { describe, expect, test } from 'bun:test';
import { openPglite } from '../db/client';
import { users } from '../db/schema';
import { createOfflineEmbedder } from './embedders/offline';
import { indexCorpus } from './evaluate';
import { bm25Baseline, calibrate, confabScore, PUBLIC_FLOORS, rankScore } from './public-eval';
import { buildPublicSet, parseManPage } from './public-set';

const PAGE = `.\\" comment
.TH CURL 1
.SH NAME
curl \\- transfer a URL
.SH SYNOPSIS
.B curl [options]
.SH DESCRIPTION
\\fBcurl\\fP is a tool for transferring data from or to a server. It supports these
protocols: DICT, FILE, FTP, HTTP and \\fIHTTPS\\fR.
.PP
The command is designed to work without user interaction, see \\(dqman curl\\(dq.
.SH OPTIONS
.TP
-v
verbose
`;

describe('public evaluation set', () => {
  test('a-man-page-gives-its-name-line-as-question-and-description-as-document', () => {
    const page = parseManPage(PAGE);
    expect(page?.summary).toBe('transfer a URL');
    expect(page?.text).toBe(
      'curl is a tool for transferring data from or to a server. It supports these\nprotocols: DICT, FILE, FTP, HTTP and HTTPS.\n\nThe command is designed to work without user interaction, see "man curl".',
    );
  });

  test('rank-scores-count-recall-at-5-reciprocal-rank-and-ndcg', () => {
    const s = rankScore([1, 2, 6, 0]);
    expect(s.recallAt5).toBe(0.5);
    expect(s.mrr).toBeCloseTo((1 + 1 / 2 + 1 / 6) / 4, 10);
    expect(s.ndcgAt10).toBeCloseTo((1 + 1 / Math.log2(3) + 1 / Math.log2(7)) / 4, 10);
  });

  test('calibration-trades-answers-for-declines-as-the-bar-rises', () => {
    const curve = calibrate({ answerable: [0.2, 0.5, 0.9], unanswerable: [0.1, 0.45] }, [0.3, 0.6]);
    expect(curve).toEqual([
      { bar: 0.3, answered: 2 / 3, declined: 0.5 },
      { bar: 0.6, answered: 1 / 3, declined: 1 },
    ]);
  });

  test('retrieval-and-answerability-stay-above-their-floors-against-same-run-bm25', async () => {
    const set = await buildPublicSet({ documents: 400, answerable: 80, unanswerable: 40 });
    if (!set) {
      console.log('skipped: no Debian package database on this machine');
      return;
    }
    expect(set.documents.length).toBe(400);
    expect(set.questions.filter((q) => q.target === null)).toHaveLength(40);
    const database = openPglite();
    await database.migrate();
    try {
      const embedder = createOfflineEmbedder();
      const [user] = await database.db.insert(users).values({ email: 'eval@confab.invalid', passwordHash: '-' }).returning();
      await indexCorpus(
        database,
        embedder,
        user.id,
        set.documents.map((d) => ({ name: d.name, bytes: new TextEncoder().encode(d.text) })),
      );
      const base = bm25Baseline(set);
      const hybrid = await confabScore(database, embedder, user.id, set, 'hybrid');
      console.log(`bm25 ${JSON.stringify(base)}\nhybrid ${JSON.stringify({ ...hybrid, strengths: undefined })}`);
      expect(base.recallAt5).toBeGreaterThan(0.5);
      expect(hybrid.recallAt5 / base.recallAt5).toBeGreaterThanOrEqual(PUBLIC_FLOORS.hybridRecallRatio);
      expect(hybrid.mrr / base.mrr).toBeGreaterThanOrEqual(PUBLIC_FLOORS.hybridMrrRatio);
      expect(hybrid.answered).toBeGreaterThanOrEqual(PUBLIC_FLOORS.answered);
      expect(hybrid.declined).toBeGreaterThanOrEqual(PUBLIC_FLOORS.declined);
    } finally {
      await database.close();
    }
  }, 300_000);
});
