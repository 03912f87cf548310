"""Every write of the discounts app. Import from the modules (`orders.services.coupons`,
`discounts.services.pricing`): this package imports nothing, so orders.services.totals can use
the pricing module without an import cycle."""
