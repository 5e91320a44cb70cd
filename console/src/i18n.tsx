// Japanese and English. Japanese when the browser prefers it (navigator.languages), or as
// chosen in the header; the choice is kept for the browser (localStorage, no token).
import { createContext } from 'preact';
import { useContext, useEffect, useMemo, useState } from 'preact/hooks';
import { en, ja, type Key } from './messages';

export type { Key };
export type Lang = 'ja' | 'en';

const CHOICE = 'renkei.console.lang';

export function preferredLang(): Lang {
  try {
    const chosen = localStorage.getItem(CHOICE);
    if (chosen === 'ja' || chosen === 'en') return chosen;
  } catch {
    /* storage may be off */
  }
  for (const l of navigator.languages ?? [navigator.language]) {
    const tag = l.toLowerCase();
    if (tag.startsWith('ja')) return 'ja';
    if (tag.startsWith('en')) return 'en';
  }
  return 'en';
}

type Vars = Record<string, string | number>;
export type T = (key: Key, vars?: Vars) => string;

function translate(lang: Lang, key: Key, vars?: Vars): string {
  const text: string = (lang === 'ja' ? ja : en)[key] ?? en[key] ?? key;
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m));
}

interface I18n {
  lang: Lang;
  t: T;
  setLang: (l: Lang) => void;
}

const I18nContext = createContext<I18n>({ lang: 'en', t: (k, v) => translate('en', k, v), setLang: () => {} });

export function I18nProvider({ children }: { children: preact.ComponentChildren }) {
  const [lang, setLangState] = useState<Lang>(preferredLang);
  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = translate(lang, 'title');
  }, [lang]);
  const value = useMemo<I18n>(
    () => ({
      lang,
      t: (k, v) => translate(lang, k, v),
      setLang: (l) => {
        try {
          localStorage.setItem(CHOICE, l);
        } catch {
          /* storage may be off */
        }
        setLangState(l);
      },
    }),
    [lang],
  );
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  return useContext(I18nContext);
}

const FIELD_LABELS: Record<string, { ja: string; en: string }> = {
  roumumate_url: { ja: 'ロウムメイト API の URL', en: 'Roumumate API URL' },
  kaonavi_url: { ja: 'カオナビ API の URL', en: 'Kaonavi API URL' },
  gender_map: { ja: '性別の対応（連携項目）', en: 'Gender mapping' },
  filter: { ja: '連携対象者', en: 'Who is synced' },
  consumer_key: { ja: 'Consumer Key', en: 'Consumer Key' },
  consumer_secret: { ja: 'Consumer Secret', en: 'Consumer Secret' },
  roumumate_token: { ja: 'ロウムメイトの API キー', en: 'Roumumate API key' },
  page_size: { ja: '1ページの件数', en: 'Page size' },
  subdomain: { ja: 'HRBrain のサブドメイン（クライアントID）', en: 'HRBrain subdomain (client ID)' },
  hrbrain_url: { ja: 'HRBrain API の URL', en: 'HRBrain API URL' },
  mikiwame_url: { ja: 'ミキワメ API の URL', en: 'Mikiwame API URL' },
  hrbrain_token: { ja: 'HRBrain のクライアントシークレット', en: 'HRBrain client secret' },
  mikiwame_api_key: { ja: 'ミキワメの API キー', en: 'Mikiwame API key' },
  webhook_secret: { ja: 'Webhook の署名シークレット', en: 'Webhook signing secret' },
  organization_id: { ja: '組織 ID', en: 'Organization ID' },
  company_id: { ja: '会社 ID', en: 'Company ID' },
  jobs_domain: { ja: '求人サイトのドメイン', en: 'Jobs domain' },
  channel_id: { ja: 'チャネル ID', en: 'Channel ID' },
  api_url: { ja: 'API の URL', en: 'API URL' },
  jobs_site_url: { ja: '求人サイトの URL', en: 'Career site URL' },
  access_token: { ja: 'アクセストークン（v1）', en: 'Access token (v1)' },
  client_id: { ja: 'クライアント ID', en: 'Client ID' },
  client_secret: { ja: 'クライアントシークレット', en: 'Client secret' },
  upload_secret: { ja: 'アップロードの署名シークレット', en: 'Upload signing secret' },
  recruitee_url: { ja: 'Recruitee API の URL', en: 'Recruitee API URL' },
  recruitee_token: { ja: 'Recruitee の API トークン', en: 'Recruitee API token' },
  recruitee_webhook_secret: { ja: 'Recruitee Webhook のシークレット', en: 'Recruitee webhook secret' },
  organization: { ja: 'LinkedIn 組織 ID', en: 'LinkedIn organization ID' },
  contract: { ja: 'Recruiter 契約 ID', en: 'Recruiter contract ID' },
  onboarding_url: { ja: 'オンボーディングページの URL', en: 'Onboarding page URL' },
};

/** A settings or secret field's label: known keys in words, others from the key. */
export function fieldLabel(key: string, lang: Lang): string {
  const known = FIELD_LABELS[key];
  if (known) return known[lang];
  const words = key.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}
