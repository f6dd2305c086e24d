export type { ApiCall, ApiCallOptions, ApiFailure, ApiResult, PageApi } from './api-client.ts';
export { PAGE_PATH, PAGE_PREFIXES, type PageLocals, pageCsp, pagesHandler } from './pages.ts';
