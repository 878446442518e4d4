-- Sales per product category against the budgets in seeds/category_budgets.csv (the docs'
-- budget_vs_actual pattern). Cart lines are a dlt child table: they join their cart on
-- _dlt_parent_id = _dlt_id. Sums are cast to decimal, which rounds alike on DuckDB and PostgreSQL
-- (whose round() takes no double).
with cart_lines as (
    select
        carts.id as cart_id,
        lines.product_id,
        lines.quantity
    from {{ ref('stg_demo_shop__carts__products') }} as lines
    inner join {{ ref('stg_demo_shop__carts') }} as carts on lines._dlt_parent_id = carts._dlt_id
),

sales as (
    select
        products.category,
        count(distinct cart_lines.cart_id) as carts,
        sum(cart_lines.quantity) as units,
        cast(sum(cart_lines.quantity * products.price) as decimal(18, 2)) as sales
    from cart_lines
    inner join {{ ref('stg_demo_shop__products') }} as products on cart_lines.product_id = products.id
    group by products.category
)

select
    sales.category,
    sales.carts,
    sales.units,
    sales.sales,
    budgets.budget,
    cast(sales.sales - budgets.budget as decimal(18, 2)) as over_budget
from sales
left join {{ ref('category_budgets') }} as budgets on sales.category = budgets.category
