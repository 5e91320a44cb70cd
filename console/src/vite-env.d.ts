/// <reference types="vite/client" />

interface ImportMetaEnv {
  readonly VITE_RENKEI_DEV_NO_SIGN_IN?: string;
}
