/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Dynamorm from Vala, through the VAPI vapigen makes from the GIR: a model
 * declared in Vala, CRUD on memory://, a refused insert caught as
 * Dynamorm.Error.CONDITION_FAILED, a missing item as NOT_FOUND, a query
 * with a key condition, a filter and cursor pages, a conditional update, a
 * transaction, and the async forms awaited with `yield` in a main loop.
 */

public class ValaUser : Dynamorm.Model {
    public string? id { get; set; }
    public string? email { get; set; }
    public int64 visits { get; set; }
}

public class ValaOrder : Dynamorm.Model {
    public string? customer { get; set; }
    public int64 number { get; set; }
    public string? status { get; set; }
    public int64 total { get; set; }
}

static Dynamorm.Session new_session () throws GLib.Error {
    var session = new Dynamorm.Session ("memory://");
    session.create_table (typeof (ValaUser));
    session.create_table (typeof (ValaOrder));
    for (int64 i = 1; i <= 7; i++) {
        session.put (Object.new (typeof (ValaOrder), "customer", "c1", "number", i,
                                 "status", i % 2 == 1 ? "open" : "shipped",
                                 "total", i * 10) as ValaOrder);
    }
    return session;
}

static string numbers (GLib.ListModel list) {
    var out = new StringBuilder ();
    for (uint i = 0; i < list.get_n_items (); i++)
        out.append_printf ("%s%lld", i > 0 ? "," : "", ((ValaOrder) list.get_item (i)).number);
    return out.str;
}

static void test_declare () {
    try {
        Dynamorm.Model.type_declare (typeof (ValaUser), "vala_users",
                                     { "id=pk", "email=index:by-email,pk,omitempty" });
        Dynamorm.Model.type_declare (typeof (ValaOrder), "vala_orders",
                                     { "customer=pk", "number=sk" });
    } catch (GLib.Error e) {
        error ("declare: %s", e.message);
    }
    assert (Dynamorm.Model.type_get_table_name (typeof (ValaUser)) == "vala_users");
}

static void test_crud () {
    try {
        var session = new_session ();
        var user = new ValaUser ();
        user.id = "u1";
        user.visits = 1L << 40;
        session.put (user);

        var got = (ValaUser) session.get (typeof (ValaUser), "u1", null);
        assert (got.id == "u1");
        assert (got.visits == 1L << 40);
        assert (got.email == null);

        try {
            session.insert (user);
            assert_not_reached ();
        } catch (Dynamorm.Error e) {
            assert (e is Dynamorm.Error.CONDITION_FAILED);
        }

        got.visits = 2;
        session.update (got, { "visits" });
        assert (((ValaUser) session.get (typeof (ValaUser), "u1", null)).visits == 2);

        session.delete (got);
        try {
            session.get (typeof (ValaUser), "u1", null);
            assert_not_reached ();
        } catch (Dynamorm.Error e) {
            assert (e is Dynamorm.Error.NOT_FOUND);
        }
    } catch (GLib.Error e) {
        error ("crud: %s", e.message);
    }
}

static void test_query () {
    try {
        var session = new_session ();
        var query = new Dynamorm.Query (session, typeof (ValaOrder));
        GLib.Value[] customer = { "c1" };
        query.where_values ("customer", Dynamorm.Operator.EQ, customer);
        GLib.Value[] min_total = { (int64) 20 };
        query.filter (new Dynamorm.Condition ("total", Dynamorm.Operator.GT, min_total));
        assert (numbers (query.all ()) == "3,4,5,6,7");

        string? cursor = null;
        int pages = 0;
        string[] seen = {};
        do {
            var page = query.page (2, cursor, out cursor);
            seen += numbers (page);
            pages++;
        } while (cursor != null && pages < 10);
        assert (string.joinv ("|", seen) == "3,4|5,6|7");
    } catch (GLib.Error e) {
        error ("query: %s", e.message);
    }
}

static void test_conditional_update () {
    try {
        var session = new_session ();
        var order = (ValaOrder) session.get (typeof (ValaOrder), "c1", (int64) 2);
        var update = new Dynamorm.Update ();
        update.set ("status", "closed");
        var options = new Dynamorm.WriteOptions ();
        GLib.Value[] open = { "open" };
        options.add_condition (new Dynamorm.Condition ("status", Dynamorm.Operator.EQ, open));
        Dynamorm.Model? current;
        try {
            session.update_full (order, update, options, out current);
            assert_not_reached ();
        } catch (Dynamorm.Error e) {
            assert (e is Dynamorm.Error.CONDITION_FAILED);
        }
        assert (options.get_current () != null);
        assert (((ValaOrder) options.get_current ()).status == "shipped");
    } catch (GLib.Error e) {
        error ("conditional update: %s", e.message);
    }
}

static void test_transaction () {
    try {
        var session = new_session ();
        var tx = new Dynamorm.Transaction (session);
        var user = new ValaUser ();
        user.id = "t1";
        tx.add_put (user, null);
        var existing = new ValaOrder ();
        existing.customer = "c1";
        existing.number = 1;
        tx.add_create (existing, null);
        try {
            tx.commit ();
            assert_not_reached ();
        } catch (Dynamorm.Error e) {
            assert (e is Dynamorm.Error.CONDITION_FAILED);
        }
        var failures = tx.get_failures ();
        assert (failures.length == 1);
        assert (failures[0].get_index () == 1);
    } catch (GLib.Error e) {
        error ("transaction: %s", e.message);
    }
}

static async void async_scenario (Dynamorm.Session session) throws GLib.Error {
    var user = new ValaUser ();
    user.id = "a1";
    yield session.put_async (user, null);
    var got = (ValaUser) yield session.get_async (typeof (ValaUser), "a1", null, null);
    assert (got.id == "a1");
    var query = new Dynamorm.Query (session, typeof (ValaOrder));
    GLib.Value[] customer = { "c1" };
    query.where_values ("customer", Dynamorm.Operator.EQ, customer);
    assert ((yield query.count_async (null)) == 7);
}

static void test_async () {
    var loop = new MainLoop ();
    GLib.Error? failure = null;
    Dynamorm.Session session;
    try {
        session = new_session ();
    } catch (GLib.Error e) {
        error ("session: %s", e.message);
    }
    async_scenario.begin (session, (obj, res) => {
        try {
            async_scenario.end (res);
        } catch (GLib.Error e) {
            failure = e;
        }
        loop.quit ();
    });
    loop.run ();
    if (failure != null)
        error ("async: %s", failure.message);
}

int main (string[] args) {
    Test.init (ref args);
    Test.add_func ("/vala/declare", test_declare);
    Test.add_func ("/vala/crud", test_crud);
    Test.add_func ("/vala/query", test_query);
    Test.add_func ("/vala/conditional-update", test_conditional_update);
    Test.add_func ("/vala/transaction", test_transaction);
    Test.add_func ("/vala/async", test_async);
    return Test.run ();
}
