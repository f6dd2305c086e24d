/// <reference types="astro/client" />

declare namespace App {
  interface Locals {
    /** Set by the origin for the pages it renders (origin/src/pages): the shopper and the API. */
    vitrine: import('@vitrine/origin/pages').PageLocals;
  }
}
