// Every page of the console, and the roles it is for: adding a page is one entry here and one component.
import type { ReactNode } from "react";
import type { Role } from "../api/client";
import { AuditLogPage } from "../pages/admin/AuditLogPage";
import { ModelsPage } from "../pages/admin/ModelsPage";
import { PricesPage } from "../pages/admin/PricesPage";
import { TeamsPage } from "../pages/admin/TeamsPage";
import { UserPage } from "../pages/admin/UserPage";
import { UsersPage } from "../pages/admin/UsersPage";
import { AlertsPage } from "../pages/finance/AlertsPage";
import { BudgetsPage } from "../pages/finance/BudgetsPage";
import { SpendPage } from "../pages/finance/SpendPage";

export interface PageSpec {
  path: string;
  title: string;
  section: "Finance" | "Admin";
  /** Who may open it; the API refuses the others anyway, the console says so first. */
  roles: readonly Role[];
  /** Listed in the navigation (a detail page such as /admin/users/:id is reached from a list). */
  inNav: boolean;
  render(params: Record<string, string>): ReactNode;
}

// ADMIN may read what FINANCE reads, as the API allows; admin pages are for ADMIN alone.
const FINANCE: readonly Role[] = ["FINANCE", "ADMIN"];
const ADMIN: readonly Role[] = ["ADMIN"];

export const PAGES: readonly PageSpec[] = [
  {
    path: "/finance/spend",
    title: "Spend",
    section: "Finance",
    roles: FINANCE,
    inNav: true,
    render: () => <SpendPage />,
  },
  {
    path: "/finance/budgets",
    title: "Budgets",
    section: "Finance",
    roles: FINANCE,
    inNav: true,
    render: () => <BudgetsPage />,
  },
  {
    path: "/finance/alerts",
    title: "Budget alerts",
    section: "Finance",
    roles: FINANCE,
    inNav: true,
    render: () => <AlertsPage />,
  },
  { path: "/admin/users", title: "Users", section: "Admin", roles: ADMIN, inNav: true, render: () => <UsersPage /> },
  {
    path: "/admin/users/:id",
    title: "User",
    section: "Admin",
    roles: ADMIN,
    inNav: false,
    render: (params) => <UserPage id={params.id ?? ""} />,
  },
  {
    path: "/admin/teams",
    title: "Teams and budgets",
    section: "Admin",
    roles: ADMIN,
    inNav: true,
    render: () => <TeamsPage />,
  },
  { path: "/admin/models", title: "Models", section: "Admin", roles: ADMIN, inNav: true, render: () => <ModelsPage /> },
  { path: "/admin/prices", title: "Prices", section: "Admin", roles: ADMIN, inNav: true, render: () => <PricesPage /> },
  {
    path: "/admin/audit",
    title: "Audit log",
    section: "Admin",
    roles: ADMIN,
    inNav: true,
    render: () => <AuditLogPage />,
  },
];

/** Where a role lands after signing in. */
export function homeOf(role: Role): string {
  return role === "ADMIN" ? "/admin/users" : role === "FINANCE" ? "/finance/spend" : "/";
}
