"""The assistant reads which dishes of the menu a customer wants to pre-order, and how many."""

import pytest

from assistant.understanding.dishes import dishes_stated

MENU = [
    (1, "Empanada de queso"),
    (2, "Lomo saltado"),
    (3, "Ceviche"),
    (4, "Ceviche mixto"),
    (5, "Arroz con pollo"),
    (6, "Café con leche"),
    (7, "Tres leches"),
    (8, "Pisco sour"),
    (9, "Papas fritas"),
    (10, "Torta de chocolate"),
    (11, "Pez espada"),
    (12, "Burger"),
    (13, "Fries"),
    (14, "Vino de la casa"),
    (15, "Pizza 4 quesos"),
    (16, "Fish of the day"),
    (17, "Empanada"),
]


@pytest.mark.parametrize(
    ("text", "dishes"),
    [
        ("quiero 2 empanadas de queso y un lomo saltado", {1: 2, 2: 1}),
        ("dos ceviches y un ceviche mixto porfa", {3: 2, 4: 1}),
        ("CEVICHE MIXTO!!! 😍", {4: 1}),
        ("un lomo saltado", {2: 1}),
        ("lomo saltado", {2: 1}),
        ("Lomo Saltádo x2", {2: 2}),
        ("arroz con pollo x 3", {5: 3}),
        ("3 arroces con pollo", {5: 3}),
        ("un café con leche", {6: 1}),
        ("dos tres leches", {7: 2}),
        ("un tres leches y 2 pisco sours", {7: 1, 8: 2}),
        ("dos peces espada", {11: 2}),
        ("two burgers and fries", {12: 2, 13: 1}),
        ("a burger and 3 fries", {12: 1, 13: 3}),
        ("una botella de vino de la casa", {14: 1}),
        ("pizza cuatro quesos para compartir", {15: 1}),
        ("mesa para 4 a las 9, con 2 papas fritas", {9: 2}),
        ("two fish of the day please", {16: 2}),
        ("seis empanadas", {17: 6}),
        ("una empanada y después otra empanada", {17: 2}),
        ("veinte empanadas de queso para el evento", {1: 20}),
    ],
)
def test_the_dishes_named_are_counted(text, dishes):
    assert dishes_stated(text, MENU) == dishes


@pytest.mark.parametrize(
    "text",
    [
        "mesa para cuatro con leche de almendras",
        "una torta de cumpleaños",
        "¿tienen algo sin gluten?",
        "de la casa a la mesa, con amor",
        "the day after tomorrow",
        "",
    ],
)
def test_words_shared_only_with_joining_words_or_another_thing_name_no_dish(text):
    assert dishes_stated(text, MENU) == {}


def test_the_first_word_names_a_dish_only_when_no_other_dish_begins_with_it():
    menu = [(1, "Empanada de queso"), (2, "Empanada de carne"), (3, "Torta de chocolate")]
    assert dishes_stated("dos empanadas", menu) == {}
    assert dishes_stated("dos tortas", menu) == {3: 2}
    assert dishes_stated("una empanada de carne y dos de queso", menu) == {2: 1}


def test_a_dish_is_read_only_from_the_menu_given():
    assert dishes_stated("dos empanadas de queso", []) == {}
    assert dishes_stated("dos empanadas de queso", [(7, "Lomo saltado")]) == {}
