"""Words for generated mail: a helpdesk's vocabulary, most common first."""

# Helpdesk words, most common first; the draw favours the head (a long tail, as real mail).
WORDS = """
order the my hello please thanks received package delivery when where still not yet week
necklace ring earrings bracelet sandals clogs sneakers size refund return exchange shipping
tracking number address account password payment card charged twice damaged broken clasp
chain pendant strap sole colour color gift box invoice receipt discount code promo sale
website checkout error login email customs international express late lost stolen neighbour
courier label parcel wrong item missing replacement warranty repair silver gold plated
tarnish allergy nickel engraving custom charm jibbitz slide comfort lining fuzzy winter
summer kids women men wide narrow half fit tight loose blister heel toe insole washable
cancel cancellation changed mind subscription newsletter unsubscribe review rating
complaint manager supervisor escalate urgent asap immediately disappointed happy love
beautiful quality cheap expensive price match coupon voucher store pickup warehouse
backorder restock preorder limited edition collection launch anniversary wedding birthday
christmas holiday valentine mother father graduation present wrapped note message
""".split()  # noqa: SIM905 (a paragraph reads better than a list)
FOREIGN = {
    "fr": "commande colis livraison remboursement bijoux abîmé retard adresse taille échange",
    "es": "pedido paquete entrega reembolso joyas dañado retraso dirección talla cambio",
    "de": "bestellung paket lieferung rückerstattung schmuck beschädigt verspätung adresse",
}
