import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../app/testing/test-database.js';
import { currencyDigits, formatMoney, formatNumber, workspaceMoney } from './workspace.format.js';
import { saveWorkspace } from './workspace.service.js';

// Intl puts a narrow no-break space in some locales; compare with plain spaces
const plain = (s: string) => s.replace(/[\u00a0\u202f]/g, ' ');

describe('server-side money', () => {
  it('writes each amount in its currency, with its decimals, in the locale given', () => {
    expect(formatMoney(330, 'GBP', 'en-GB')).toBe('£3.30');
    expect(plain(formatMoney(123450, 'EUR', 'de-DE'))).toBe('1.234,50 €');
    expect(formatMoney(1200, 'JPY', 'en-GB')).toBe('JP¥1,200');
    expect(formatMoney(1234, 'BHD', 'en-GB')).toMatch(/^BHD\s?1\.234$/);
    expect(formatMoney(330, 'XYZ1', 'en-GB')).toBe('3.30 XYZ1'); // a code Intl does not know
    expect(formatMoney(330, 'GBP', 'not a locale')).toBe('£3.30');
    expect([currencyDigits('EUR'), currencyDigits('JPY'), currencyDigits('BHD')]).toEqual([2, 0, 3]);
    expect(plain(formatNumber(12345, 'fr-FR'))).toBe('12 345');
  });

  describe('in the workspace', () => {
    let db: Awaited<ReturnType<typeof createTestDatabase>>;
    beforeAll(async () => {
      db = await createTestDatabase();
    });
    afterAll(async () => {
      await db.close();
    });

    it('uses the workspace locale and currency, and a default before setup', async () => {
      expect((await workspaceMoney(db.db)).money(999)).toBe('€9.99');
      await saveWorkspace(db.db, { name: 'Kaffee', industry: 'media', timeZone: 'Europe/Berlin', currency: 'EUR', locale: 'de-DE' });
      const m = await workspaceMoney(db.db);
      expect(plain(m.money(123450))).toBe('1.234,50 €');
      expect(plain(m.money(330, 'GBP'))).toBe('3,30 £');
    });
  });
});
