// Package crosscheck holds no code: its test compares the metrics with
// independent reference implementations — scipy's sqrtm-based FID as in
// pytorch-fid, the KID reference's unbiased MMD², the PRDC authors'
// compute_prdc, scikit-learn's roc_auc_score, roc_curve and
// average_precision_score, and its KNeighborsClassifier with cosine
// distance and exp(sim/τ) weights, and its LogisticRegression optimum
// for the linear probe's objective — on shared random data. The reference values
// were computed once by testdata/crosscheck.py (numpy 1.24.2, scipy
// 1.10.1, scikit-learn 1.2.1) from the data that
// `go test -run TestCrossCheck -dump DIR` writes, and are kept in the test.
package crosscheck
