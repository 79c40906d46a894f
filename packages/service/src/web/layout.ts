/**
 * The USWDS page frame: government banner, header with navigation for the signed-in role, optional
 * side navigation, flash alert, footer. Scripts are external files only (CSP `script-src 'self'`).
 */
import type { User } from '../app/identity.js';
import { EMPTY, type Html, html } from './html.js';
import { CSRF_FIELD, type Flash } from './kit.js';

export interface NavItem {
  readonly label: string;
  readonly href: string;
}

export interface Frame {
  readonly title: string;
  readonly user: User | undefined;
  readonly csrf: string;
  /** The request path, to mark the current navigation item. */
  readonly path: string;
  readonly flash?: Flash | undefined;
  readonly side?: { readonly heading: string; readonly items: readonly NavItem[] } | undefined;
  /** Extra scripts of our own (paths under /assets/). */
  readonly scripts?: readonly string[];
}

/** The primary navigation for each role; the public sees the public pages. */
export function navFor(user: User | undefined): NavItem[] {
  const common = [
    { label: 'Registry', href: '/registry' },
    { label: 'Dashboard', href: '/dashboard' },
  ];
  if (user === undefined) return [...common, { label: 'Sign in', href: '/sign-in' }];
  switch (user.role) {
    case 'submitter':
      return [
        { label: 'Organisation', href: '/organisation' },
        { label: 'Submissions', href: '/submissions' },
        { label: 'New submission', href: '/submissions/new' },
        ...common,
        { label: 'Account', href: '/account' },
      ];
    case 'reviewer':
      return [
        { label: 'Queue', href: '/queue' },
        { label: 'Disclosures', href: '/disclosures' },
        ...common,
        { label: 'Account', href: '/account' },
      ];
    case 'administrator':
      return [
        { label: 'Submissions', href: '/submissions' },
        { label: 'Reviewers', href: '/admin/reviewers' },
        { label: 'Criteria', href: '/admin/criteria' },
        { label: 'Audit log', href: '/admin/audit' },
        { label: 'Annual report', href: '/admin/annual-report' },
        { label: 'Users', href: '/admin/users' },
        ...common,
        { label: 'Account', href: '/account' },
      ];
    case 'procurement-officer':
      return [...common, { label: 'Account', href: '/account' }];
    default: {
      const never: never = user.role;
      throw new Error(`unknown role ${String(never)}`);
    }
  }
}

const isCurrent = (path: string, href: string): boolean =>
  href === '/' ? path === '/' : path === href || path.startsWith(`${href}/`);

/** The hidden CSRF field every form carries. */
export const csrfField = (token: string): Html =>
  html`<input type="hidden" name="${CSRF_FIELD}" value="${token}">`;

function banner(): Html {
  return html`<section class="usa-banner" aria-label="Official website of the United States government">
  <div class="usa-accordion">
    <header class="usa-banner__header">
      <div class="usa-banner__inner">
        <div class="grid-col-auto">
          <img aria-hidden="true" class="usa-banner__header-flag" src="/assets/uswds/img/us_flag_small.png" alt="">
        </div>
        <div class="grid-col-fill tablet:grid-col-auto" aria-hidden="true">
          <p class="usa-banner__header-text">An official website of the United States government</p>
          <p class="usa-banner__header-action">Here’s how you know</p>
        </div>
        <button type="button" class="usa-accordion__button usa-banner__button" aria-expanded="false" aria-controls="gov-banner">
          <span class="usa-banner__button-text">Here’s how you know</span>
        </button>
      </div>
    </header>
    <div class="usa-banner__content usa-accordion__content" id="gov-banner" hidden>
      <div class="grid-row grid-gap-lg">
        <div class="usa-banner__guidance tablet:grid-col-6">
          <img class="usa-banner__icon usa-media-block__img" src="/assets/uswds/img/icon-dot-gov.svg" role="img" alt="" aria-hidden="true">
          <div class="usa-media-block__body">
            <p><strong>Official websites use .gov</strong><br>A <strong>.gov</strong> website belongs to an official government organization in the United States.</p>
          </div>
        </div>
        <div class="usa-banner__guidance tablet:grid-col-6">
          <img class="usa-banner__icon usa-media-block__img" src="/assets/uswds/img/icon-https.svg" role="img" alt="" aria-hidden="true">
          <div class="usa-media-block__body">
            <p><strong>Secure .gov websites use HTTPS</strong><br>A <strong>lock</strong> or <strong>https://</strong> means you’ve safely connected to the .gov website. Share sensitive information only on official, secure websites.</p>
          </div>
        </div>
      </div>
    </div>
  </div>
</section>`;
}

function header(frame: Frame): Html {
  const items = navFor(frame.user).map(
    (item) => html`<li class="usa-nav__primary-item">
        <a class="usa-nav-link${isCurrent(frame.path, item.href) ? ' usa-current' : ''}" href="${item.href}"${
          isCurrent(frame.path, item.href) ? html` aria-current="page"` : EMPTY
        }><span>${item.label}</span></a>
      </li>`,
  );
  const who =
    frame.user === undefined
      ? EMPTY
      : html`<div class="usa-nav__secondary web-session">
        <span class="web-who">Signed in as ${frame.user.name} (${frame.user.role})</span>
        <form method="post" action="/sign-out" class="web-inline-form">
          ${csrfField(frame.csrf)}
          <button type="submit" class="usa-button usa-button--unstyled">Sign out</button>
        </form>
      </div>`;
  return html`<header class="usa-header usa-header--basic">
  <div class="usa-nav-container">
    <div class="usa-navbar">
      <div class="usa-logo"><em class="usa-logo__text"><a href="/" title="Home">AI Cybersecurity Review Program</a></em></div>
      <button type="button" class="usa-menu-btn">Menu</button>
    </div>
    <nav aria-label="Primary navigation" class="usa-nav">
      <button type="button" class="usa-nav__close"><img src="/assets/uswds/img/usa-icons/close.svg" role="img" alt="Close"></button>
      <ul class="usa-nav__primary usa-accordion">
        ${items}
      </ul>
      ${who}
    </nav>
  </div>
</header>`;
}

function sideNav(frame: Frame): Html {
  if (frame.side === undefined) return EMPTY;
  return html`<nav class="tablet:grid-col-3 web-side" aria-label="${frame.side.heading}">
    <ul class="usa-sidenav">
      ${frame.side.items.map(
        (item) =>
          html`<li class="usa-sidenav__item"><a href="${item.href}"${
            frame.path === item.href.split('?')[0] ? html` class="usa-current" aria-current="page"` : EMPTY
          }>${item.label}</a></li>`,
      )}
    </ul>
  </nav>`;
}

export function alert(
  kind: 'success' | 'error' | 'info' | 'warning',
  text: Html | string,
  heading?: string,
): Html {
  return html`<div class="usa-alert usa-alert--${kind} usa-alert--slim"${
    kind === 'error' ? html` role="alert"` : html` role="status"`
  }>
  <div class="usa-alert__body">${heading === undefined ? EMPTY : html`<h2 class="usa-alert__heading">${heading}</h2>`}<p class="usa-alert__text">${text}</p></div>
</div>`;
}

export function layout(frame: Frame, body: Html): Html {
  const flash = frame.flash === undefined ? EMPTY : alert(frame.flash.kind, frame.flash.text);
  const content = html`${flash}${body}`;
  return html`<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${frame.title} · AI Cybersecurity Review Program</title>
<link rel="stylesheet" href="/assets/uswds/css/uswds.min.css">
<link rel="stylesheet" href="/assets/web/site.css">
<link rel="icon" href="/assets/uswds/img/favicons/favicon.ico">
</head>
<body>
<a class="usa-skipnav" href="#main-content">Skip to main content</a>
${banner()}
${header(frame)}
<main id="main-content" class="grid-container web-main">
  <div class="grid-row grid-gap">
    ${sideNav(frame)}
    <div class="${frame.side === undefined ? 'grid-col-12' : 'tablet:grid-col-9'} web-content">
      ${content}
    </div>
  </div>
</main>
<footer class="usa-footer usa-footer--slim">
  <div class="usa-footer__primary-section">
    <div class="grid-container">
      <p>Voluntary AI Cybersecurity Review Program. Public summaries, the registry and the dashboard are open to everyone; reviews are confidential.</p>
    </div>
  </div>
</footer>
<script src="/assets/uswds/js/uswds.min.js"></script>
${(frame.scripts ?? []).map((src) => html`<script src="${src}"></script>`)}
</body>
</html>`;
}
