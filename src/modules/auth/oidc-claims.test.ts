import { describe, expect, test } from 'bun:test';
import { claimAt, groupsOf } from './oidc-client';

describe('groups from OpenID claims', () => {
  test('a-claim-is-found-by-name-or-by-a-dotted-path-and-a-whole-name-wins', () => {
    const claims = {
      groups: ['staff'],
      realm_access: { roles: ['confab-admins', 'offline_access'] },
      'https://example.com/groups': ['namespaced'],
    };
    expect(claimAt(claims, 'groups')).toEqual(['staff']);
    expect(claimAt(claims, 'realm_access.roles')).toEqual(['confab-admins', 'offline_access']);
    expect(claimAt(claims, 'https://example.com/groups')).toEqual(['namespaced']);
    expect(claimAt(claims, 'realm_access.missing')).toBeUndefined();
    expect(claimAt(claims, 'groups.length')).toBeUndefined();
    expect(claimAt(claims, 'realm_access.constructor')).toBeUndefined();
  });

  test('groups-are-strings-a-single-string-or-objects-with-a-name', () => {
    expect(groupsOf(['a', 'b'])).toEqual(['a', 'b']);
    expect(groupsOf('solo')).toEqual(['solo']);
    expect(groupsOf([{ name: 'eng' }, { id: 'x' }, 7, ''])).toEqual(['eng']);
    expect(groupsOf(undefined)).toBeUndefined();
    expect(groupsOf(null)).toBeUndefined();
  });
});
